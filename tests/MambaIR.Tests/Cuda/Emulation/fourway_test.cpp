// The four-way SS2D kernel (FourWayScanKernelSource), run on the CPU through host.h, against a float64 reference of
// the official construction written here from its definition: for each direction k (row-major, column-major, both
// reversed) and channel d, δ = softplus(dt_proj · x_dbl's R values + bias), h = exp(δA)h + δBu, y = C·h + D·u, each
// direction's y added at the pixel its step reads; with CHECK_GATE, also the epilogue (merge, out_norm, SiLU(z)). Usage: fourway_test B H W D R SEG_STEPS (SEG_STEPS 0: one segment).
#include "host.h"
#include <math.h>
#include "src.cu"
#include <random>

static int pixel_of(int t, int k, int h, int w)
{
    const int l = h * w;
    const int q = k >= 2 ? l - 1 - t : t;               // index in the unreversed order
    if ((k & 1) == 0) return q;                         // row-major
    const int col = q / h, row = q % h;                 // column-major: q = col * H + row
    return row * w + col;
}

int main(int argc, char** argv)
{
    if (argc != 7) { std::fprintf(stderr, "usage: %s B H W D R SEG_STEPS\n", argv[0]); return 2; }
    const int B = atoi(argv[1]), H = atoi(argv[2]), W = atoi(argv[3]), D = atoi(argv[4]), R = atoi(argv[5]), segSteps0 = atoi(argv[6]);
    const int N = NSTATE, K = 4, L = H * W, CW = R + 2 * N;
    std::mt19937 gen(1234);
    std::normal_distribution<double> nd(0.0, 1.0);
    auto vec = [&](size_t n, double scale, double shift = 0) { std::vector<double> v(n); for (auto& e : v) e = nd(gen) * scale + shift; return v; };
    auto x = vec((size_t)B * L * D, 1.0);
    auto xw = vec((size_t)K * CW * D, 1.0 / std::sqrt((double)D));
    auto dtw = vec((size_t)K * D * R, 0.5 / std::sqrt((double)R));
    auto bias = vec((size_t)K * D, 0.5, -1.0);
    bias[D] = 25.0;                                     // beyond softplus's threshold
    auto alog = vec((size_t)K * D * N, 0.5);
    auto ds = vec((size_t)K * D, 1.0);
    std::vector<double> A(alog.size());
    for (size_t i = 0; i < A.size(); ++i) A[i] = -std::exp(alog[i]);
    std::vector<double> xdbl((size_t)B * L * K * CW);  // x_proj of every pixel, all directions
    for (int b = 0; b < B; ++b)
        for (int q = 0; q < L; ++q)
            for (int j = 0; j < K * CW; ++j)
            {
                double s = 0;
                for (int d = 0; d < D; ++d) s += x[((size_t)b * L + q) * D + d] * xw[(size_t)j * D + d];
                xdbl[((size_t)b * L + q) * K * CW + j] = s;
            }
    // Reference, float64.
    std::vector<double> ref((size_t)B * L * D, 0.0);
    for (int b = 0; b < B; ++b)
        for (int k = 0; k < K; ++k)
            for (int d = 0; d < D; ++d)
            {
                const int kd = k * D + d;
                std::vector<double> h(N, 0.0);
                for (int t = 0; t < L; ++t)
                {
                    const int q = pixel_of(t, k, H, W);
                    const double* v = &xdbl[((size_t)b * L + q) * K * CW + (size_t)k * CW];
                    double z = bias[kd];
                    for (int r = 0; r < R; ++r) z += v[r] * dtw[(size_t)kd * R + r];
                    const double dt = z <= 20 ? std::log1p(std::exp(z)) : z;
                    const double u = x[((size_t)b * L + q) * D + d];
                    double y = 0;
                    for (int n = 0; n < N; ++n)
                    {
                        h[n] = std::exp(dt * A[(size_t)kd * N + n]) * h[n] + dt * v[R + n] * u;
                        y += h[n] * v[R + N + n];
                    }
                    ref[((size_t)b * L + q) * D + d] += y + ds[kd] * u;
                }
            }
    // The kernel, float32.
    auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
    auto xf = f(x), xdf = f(xdbl), dtwf = f(dtw), bf = f(bias), af = f(A), dsf = f(ds);
    const int segSteps = segSteps0 > 0 ? segSteps0 : L;
    const int segments = (L + segSteps - 1) / segSteps;
    std::vector<float> out((size_t)K * B * L * D, -1e30f), segE((size_t)B * K * D * segments * N), segP(segE.size());
    FourWayParams p{};
    p.x = xf.data(); p.xdbl = xdf.data(); p.dtw = dtwf.data(); p.bias = bf.data(); p.A = af.data(); p.D = dsf.data();
    p.out = out.data(); p.segE = segE.data(); p.segP = segP.data();
    p.batch = B; p.channels = D; p.height = H; p.width = W; p.length = L; p.rank = R; p.segments = segments;
    p.seg_steps = segSteps; p.xdbl_stride = K * CW;
    const unsigned tiles = (D + CHAN_BLOCK - 1) / CHAN_BLOCK;
    if (segments > 1)
    {
        p.mode = 1;
        launch(mambair_scan_fourway_chan, tiles * segments, K, B, CHAN_BLOCK, p);
        FwdParams s{};
        s.segE = segE.data(); s.segP = segP.data(); s.batch = B; s.channels = K * D; s.segments = segments;
        const long long count = (long long)B * K * D * N;
        launch(mambair_scan_seg_starts, (unsigned)((count + 255) / 256), 1, 1, 256, s);
    }
    p.mode = 0;
    launch(mambair_scan_fourway_chan, tiles * segments, K, B, CHAN_BLOCK, p);
    double err = 0, scale = 1;
    for (size_t i = 0; i < ref.size(); ++i)
    {
        double got = 0;
        for (int k = 0; k < K; ++k) got += out[(size_t)k * B * L * D + i];
        err = std::fmax(err, std::fabs(got - ref[i]));
        scale = std::fmax(scale, std::fabs(ref[i]));
    }
    const bool ok = err <= 1e-4 * scale;
    std::printf("B=%d H=%d W=%d D=%d N=%d R=%d block=%d segments=%d: max error %.3g (scale %.3g) %s\n", B, H, W, D, N, R, CHAN_BLOCK, segments, err, scale, ok ? "ok" : "FAIL");

#if CHECK_GATE
    // The epilogue: out_norm (LayerNorm over the channels, biased variance) of the merged outputs, times SiLU(z), with z
    // the second half of a (B·L, 2·D) buffer; reference from the float64 merge above.
    const long long pixels = (long long)B * L;
    auto xz = vec((size_t)pixels * 2 * D, 1.0);
    auto lw = vec(D, 0.3, 1.0), lb = vec(D, 0.1);
    auto xzf = f(xz), lwf = f(lw), lbf = f(lb);
    std::vector<float> gated((size_t)pixels * D, -1e30f);
    NormGateParams g{};
    g.y4 = out.data(); g.z = xzf.data() + D; g.weight = lwf.data(); g.bias = lbf.data(); g.out = gated.data();
    g.pixels = pixels; g.channels = D; g.z_stride = 2 * D; g.eps = 1e-5f;
    launch_warps(mambair_fourway_norm_gate, pixels, 8, g);
    double gerr = 0;
    for (long long q = 0; q < pixels; ++q)
    {
        double mean = 0, var = 0;
        for (int d = 0; d < D; ++d) mean += ref[q * D + d];
        mean /= D;
        for (int d = 0; d < D; ++d) var += (ref[q * D + d] - mean) * (ref[q * D + d] - mean);
        const double rstd = 1.0 / std::sqrt(var / D + 1e-5);
        for (int d = 0; d < D; ++d)
        {
            const double zv = xz[q * 2 * D + D + d];
            const double want = ((ref[q * D + d] - mean) * rstd * lw[d] + lb[d]) * zv / (1 + std::exp(-zv));
            gerr = std::fmax(gerr, std::fabs(gated[q * D + d] - want));
        }
    }
    const bool gok = gerr <= 1e-4;
    std::printf("  out_norm * SiLU(z): max error %.3g %s\n", gerr, gok ? "ok" : "FAIL");
    return ok && gok ? 0 : 1;
#else
    return ok ? 0 : 1;
#endif
}
