// The channel-per-thread forward (ChannelScanKernelSource, the float32 default on CUDA), run on the CPU through host.h,
// against a float64 reference of the selective scan from its definition: dt = softplus(delta + bias) (threshold 20),
// h = exp(dt·A)·h + dt·B·u, y = C·h + D·u, out = y·SiLU(z); also the last state and the checkpoints (the state entering
// every window of CKPT steps). Usage: chan_test BT DM L G SEGMENTS Z (SEGMENTS: windows per segment, 0 for one pass).
#include "host.h"
#include <math.h>
#include "src.cu"
#include <random>

int main(int argc, char** argv)
{
    if (argc != 7) { std::fprintf(stderr, "usage: %s BT DM L G SEG_WINDOWS Z\n", argv[0]); return 2; }
    const int BT = atoi(argv[1]), DM = atoi(argv[2]), L = atoi(argv[3]), G = atoi(argv[4]), segW0 = atoi(argv[5]), useZ = atoi(argv[6]);
    const int N = NSTATE, CKPT = 256, windows = (L + CKPT - 1) / CKPT;
    std::mt19937 gen(99);
    std::normal_distribution<double> nd(0.0, 1.0);
    auto vec = [&](size_t n, double scale, double shift = 0) { std::vector<double> v(n); for (auto& e : v) e = nd(gen) * scale + shift; return v; };
    auto u = vec((size_t)BT * DM * L, 1.0), delta = vec(u.size(), 0.5, -1.0), z = vec(u.size(), 1.0);
    auto A = vec((size_t)DM * N, 0.5);
    for (auto& a : A) a = -std::exp(a);
    auto Bm = vec((size_t)BT * G * N * L, 1.0), Cm = vec(Bm.size(), 1.0), Dv = vec(DM, 1.0), bias = vec(DM, 0.5);
    delta[3] = 30.0;                                            // beyond softplus's threshold
    std::vector<double> ref(u.size()), refLast((size_t)BT * DM * N), refCk((size_t)BT * DM * windows * N);
    const int cpg = DM / G;
    for (int b = 0; b < BT; ++b)
        for (int d = 0; d < DM; ++d)
        {
            const size_t row = (size_t)b * DM + d;
            const int g = d / cpg;
            std::vector<double> h(N, 0.0);
            for (int t = 0; t < L; ++t)
            {
                if (t % CKPT == 0) for (int n = 0; n < N; ++n) refCk[(row * windows + t / CKPT) * N + n] = h[n];
                const double x = delta[row * L + t] + bias[d];
                const double dt = x <= 20 ? std::log1p(std::exp(x)) : x;
                double y = 0;
                for (int n = 0; n < N; ++n)
                {
                    const size_t bc = (((size_t)b * G + g) * N + n) * L + t;
                    h[n] = std::exp(dt * A[(size_t)d * N + n]) * h[n] + dt * Bm[bc] * u[row * L + t];
                    y += Cm[bc] * h[n];
                }
                y += Dv[d] * u[row * L + t];
                if (useZ) { const double zz = z[row * L + t]; y *= zz / (1 + std::exp(-zz)); }
                ref[row * L + t] = y;
            }
            for (int n = 0; n < N; ++n) refLast[row * N + n] = h[n];
        }
    auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
    auto uf = f(u), df = f(delta), zf = f(z), af = f(A), bf = f(Bm), cf = f(Cm), dvf = f(Dv), biasf = f(bias);
    const int segW = segW0 > 0 ? segW0 : windows;
    const int segments = (windows + segW - 1) / segW;
    std::vector<float> out(u.size(), -1e30f), last(refLast.size(), -1e30f), ck(refCk.size(), -1e30f);
    std::vector<float> segE((size_t)BT * DM * segments * N), segP(segE.size());
    FwdParams p{};
    p.u = uf.data(); p.delta = df.data(); p.A = af.data(); p.B = bf.data(); p.C = cf.data(); p.D = dvf.data();
    p.z = useZ ? zf.data() : nullptr; p.bias = biasf.data(); p.out = out.data(); p.last = last.data(); p.ckpt = ck.data();
    p.segE = segE.data(); p.segP = segP.data();
    p.batch = BT; p.channels = DM; p.length = L; p.groups = G; p.softplus = 1; p.segments = segments; p.seg_windows = segW;
    p.vec = L % 4 == 0; p.ckpt_window = CKPT;
    const unsigned tiles = (cpg + CHAN_BLOCK - 1) / CHAN_BLOCK;
    if (segments > 1)
    {
        p.mode = 1;
        launch(mambair_scan_fwd_chan, tiles * segments, G, BT, CHAN_BLOCK, p);
        const long long count = (long long)BT * DM * N;
        launch(mambair_scan_seg_starts, (unsigned)((count + 255) / 256), 1, 1, 256, p);
    }
    p.mode = 0;
    launch(mambair_scan_fwd_chan, tiles * segments, G, BT, CHAN_BLOCK, p);
    auto worst = [](const std::vector<float>& got, const std::vector<double>& want) {
        double e = 0, s = 1;
        for (size_t i = 0; i < want.size(); ++i) { e = std::fmax(e, std::fabs(got[i] - want[i])); s = std::fmax(s, std::fabs(want[i])); }
        return e / s;
    };
    const double eo = worst(out, ref), el = worst(last, refLast), ec = worst(ck, refCk);
    const bool ok = eo <= 1e-4 && el <= 1e-4 && ec <= 1e-4;
    std::printf("BT=%d DM=%d L=%d G=%d N=%d block=%d segments=%d z=%d: relative error out %.3g, last %.3g, checkpoints %.3g %s\n",
                BT, DM, L, G, N, CHAN_BLOCK, segments, useZ, eo, el, ec, ok ? "ok" : "FAIL");
    return ok ? 0 : 1;
}
