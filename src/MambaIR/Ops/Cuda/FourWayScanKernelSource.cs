namespace MambaIR.Ops.Cuda;

/// <summary>
/// CUDA C source of SS2D's four-direction scan in one kernel (<c>mambair_scan_fourway_chan</c>, inference, float32,
/// N ≤ 32, R ≤ 16; issue 10 §2), compiled with <see cref="ChannelScanKernelSource"/> (whose helpers it uses) when the
/// macro <c>CHAN</c> is set.
/// <para>
/// Inputs in raster order, channels last: x (B, L, D) after the depthwise conv and SiLU, and x_dbl (B·L, 4·(R + 2N)), the
/// x_proj outputs of all four directions made by one matmul of x. Direction k's step t reads pixel P_k(t) (row-major,
/// column-major, both reversed; <c>PixelWalk</c>); each thread owns one channel of one direction, as in the channel
/// kernel, with δ = softplus(dt_proj · x_dbl's R values + bias) computed in the thread from its dt_proj row (registers)
/// and the step's R values, which a block stages with the step's B and C in shared memory (one window of
/// <c>CHAN_WINDOW</c> steps at a time, double-buffered by <c>cp.async</c>). u is read at the pixel (the block's threads
/// read consecutive channels: one coalesced access per step), and each direction's output y_k + D·u is written at the
/// pixel into out (4, B, L, D), which the caller sums over the directions. So neither the (B, 4, D, L) copies of x nor δ
/// nor the un-permuted outputs exist. Segments of long sequences as in the channel kernel (summary pass, then
/// <c>mambair_scan_seg_starts</c>, then the final pass). <c>mambair_fourway_norm_gate</c> then merges the four outputs,
/// normalises them (out_norm) and gates them with SiLU(z) in one pass.
/// </para>
/// </summary>
internal static class FourWayScanKernelSource
{
    public const string Text = """

        // ---- SS2D's four directions in one kernel (inference; float32, N <= 32, R <= FW_RANK_MAX) ----
        #if !SCALAR_DOUBLE && defined(CHAN) && NSTATE <= 32
        #define FW_RANK_MAX 16
        #define FW_NP ((NSTATE + 3) / 4 * 4)
        #define FW_BOFF FW_RANK_MAX
        #define FW_COFF (FW_RANK_MAX + FW_NP)
        #define FW_STRIDE0 (FW_RANK_MAX + 2 * FW_NP)
        // A step's values at a stride of 4 × an odd number of floats: the staging copy (one step per thread) spreads over 8 banks.
        #define FW_STRIDE ((FW_STRIDE0 / 4) % 2 == 0 ? FW_STRIDE0 + 4 : FW_STRIDE0)
        #define FW_PARTS (CHAN_BLOCK >= CHAN_WINDOW ? CHAN_BLOCK / CHAN_WINDOW : 1)

        struct FourWayParams
        {
            const float* x; const float* xdbl; const float* dtw; const float* bias; const float* A; const float* D;
            float* out; float* segE; float* segP;
            int batch, channels, height, width, length, rank, segments, seg_steps, mode, xdbl_stride;
        };

        // The pixel that step t of direction k reads: with q the step's index in the direction's unreversed order
        // (k >= 2: q = L - 1 - t) and (rows, cols) = (L, 1) for k even (row-major), (H, W) for k odd (column-major),
        // q = c * rows + r and the pixel is r * cols + c. next() moves to step t + 1.
        struct PixelWalk
        {
            int r, c, rows, cols;
            bool back;
            __device__ __forceinline__ void init(int t, int k, int h, int w, int l)
            {
                back = k >= 2;
                rows = (k & 1) ? h : l;
                cols = (k & 1) ? w : 1;
                const int q = back ? l - 1 - t : t;
                c = q / rows;
                r = q - c * rows;
            }
            __device__ __forceinline__ int pixel() const { return r * cols + c; }
            __device__ __forceinline__ void next()
            {
                if (!back) { if (++r == rows) { r = 0; ++c; } }
                else { if (--r < 0) { r = rows - 1; --c; } }
            }
        };

        extern "C" __global__ void __launch_bounds__(CHAN_BLOCK) mambair_scan_fourway_chan(FourWayParams p)
        {
            // Per step of a window: R dt-rank inputs (padded to FW_RANK_MAX), B (N, padded to 4), C; two windows.
            __shared__ __align__(16) float sS[2][CHAN_WINDOW * FW_STRIDE];
            const int tid = threadIdx.x;
            const int b = blockIdx.z, k = blockIdx.y;
            const int D = p.channels;
            const int tiles = (D + CHAN_BLOCK - 1) / CHAN_BLOCK;
            const int seg = blockIdx.x / tiles, tile = blockIdx.x - seg * tiles;
            const int dd = tile * CHAN_BLOCK + tid;
            const bool active = dd < D;
            const int d = active ? dd : D - 1;
            const bool summary = p.mode == 1;
            const int kd = k * D + d;                          // the direction's channel: its row of A, D, bias and dt_proj
            const long long row = (long long)b * 4 * D + kd;  // its row of segE / segP
            const int L = p.length, R = p.rank;
            const int CW = R + 2 * NSTATE;                     // one direction's x_dbl values per pixel
            const int lBegin = seg * p.seg_steps;
            const int lEnd = min(L, lBegin + p.seg_steps);
            const float bias = __ldg(p.bias + kd);
            const float dskip = p.D ? __ldg(p.D + kd) : 0.f;

            float an[NSTATE], h[NSTATE], P[NSTATE], wdt[FW_RANK_MAX];
        #pragma unroll
            for (int n = 0; n < NSTATE; ++n)
            {
                an[n] = __ldg(p.A + (long long)kd * NSTATE + n) * DECAY_SCALE;
                h[n] = 0.f;
                P[n] = 1.f;
            }
        #pragma unroll
            for (int r = 0; r < FW_RANK_MAX; ++r) wdt[r] = r < R ? __ldg(p.dtw + (long long)kd * R + r) : 0.f;
            if (!summary && seg > 0)
            {
                const long long o = (row * p.segments + seg) * NSTATE;
        #pragma unroll
                for (int n = 0; n < NSTATE; ++n) h[n] = p.segE[o + n];
            }
            const float* xb = p.x + (long long)b * L * D + d;                            // pixel q's u: xb[q * D]
            const float* xdb = p.xdbl + (long long)b * L * p.xdbl_stride + k * CW;       // pixel q's values: xdb[q * stride + j]
            float* ob = p.out + ((long long)k * p.batch + b) * L * D + d;                // pixel q's output: ob[q * D]

            // The padding slots (ranks R.., states N..) stay zero: staging writes only the step's CW values.
        #pragma unroll 1
            for (int e = tid; e < 2 * CHAN_WINDOW * FW_STRIDE; e += CHAN_BLOCK) (&sS[0][0])[e] = 0.f;
            __syncthreads();

            // Window at l0 into buffer buf: thread tid copies step tid % CHAN_WINDOW's values j = tid / CHAN_WINDOW + i·FW_PARTS.
            auto stage = [&](int buf, int l0)
            {
                const int count = min(CHAN_WINDOW, lEnd - l0);
                const int need = summary ? R + NSTATE : CW;
                for (int e = tid; e < CHAN_WINDOW * FW_PARTS; e += CHAN_BLOCK)
                {
                    const int s = e % CHAN_WINDOW, part = e / CHAN_WINDOW;
                    float* dst = &sS[buf][s * FW_STRIDE];
                    if (s < count)
                    {
                        PixelWalk wk;
                        wk.init(l0 + s, k, p.height, p.width, L);
                        const float* src = xdb + (long long)wk.pixel() * p.xdbl_stride;
                        for (int j = part; j < need; j += FW_PARTS)
                        {
                            const int o = j < R ? j : (j < R + NSTATE ? FW_BOFF + (j - R) : FW_COFF + (j - R - NSTATE));
                            cp_async4(dst + o, src + j);
                        }
                    }
                    else
                        for (int j = part; j < FW_STRIDE; j += FW_PARTS) dst[j] = 0.f;
                }
                cp_async_commit();
            };

            // The next four steps' pixels and u, read one group ahead.
            PixelWalk walk;
            walk.init(lBegin, k, p.height, p.width, L);
            int npx[4];
            float nu[4];
            auto fetch = [&](int l)
            {
        #pragma unroll
                for (int j = 0; j < 4; ++j)
                {
                    const bool in = l + j < lEnd;
                    npx[j] = in ? walk.pixel() : 0;
                    nu[j] = in ? __ldg(xb + (long long)npx[j] * D) : 0.f;
                    walk.next();
                }
            };
            if (active) fetch(lBegin);
            stage(0, lBegin);
            int buf = 0;
            for (int l0 = lBegin; l0 < lEnd; l0 += CHAN_WINDOW, buf ^= 1)
            {
                const int count = min(CHAN_WINDOW, lEnd - l0);
                cp_async_wait_all();
                __syncthreads(); // this window's values are in; every thread is done with the other buffer
                if (l0 + CHAN_WINDOW < lEnd) stage(buf ^ 1, l0 + CHAN_WINDOW);
                if (!active) continue;
                const float* sw = sS[buf];

        #pragma unroll 1
                for (int s0 = 0; s0 < count; s0 += 4)
                {
                    int px[4];
                    float ul[4];
        #pragma unroll
                    for (int j = 0; j < 4; ++j) { px[j] = npx[j]; ul[j] = nu[j]; }
                    if (l0 + s0 + 4 < lEnd) fetch(l0 + s0 + 4);
                    float yv[4];
        #pragma unroll
                    for (int j = 0; j < 4; ++j)
                    {
                        const float* S = sw + (s0 + j) * FW_STRIDE;
                        float x = bias;
        #pragma unroll
                        for (int r0 = 0; r0 < FW_RANK_MAX; r0 += 4)
                            if (r0 < R)
                            {
                                const float4 v = *reinterpret_cast<const float4*>(S + r0);
                                x = fmaf(v.x, wdt[r0], x);
                                x = fmaf(v.y, wdt[r0 + 1], x);
                                x = fmaf(v.z, wdt[r0 + 2], x);
                                x = fmaf(v.w, wdt[r0 + 3], x);
                            }
                        // Steps past the end are identities: δ = 0 (decay 1) and no input.
                        const float dt = s0 + j < count ? softplus_(x) : 0.f;
                        const float du = dt * ul[j];
                        const float* Bs = S + FW_BOFF;
                        const float* Cs = S + FW_COFF;
                        float y = 0.f;
        #pragma unroll
                        for (int n = 0; n < NSTATE; ++n)
                        {
                            const float a = ex2_ftz(dt * an[n]);
                            h[n] = fmaf(a, h[n], du * Bs[n]);
                            if (summary) P[n] *= a;
                            else y = fmaf(h[n], Cs[n], y);
                        }
                        yv[j] = fmaf(dskip, ul[j], y);
                    }
                    if (summary) continue;
        #pragma unroll
                    for (int j = 0; j < 4; ++j)
                        if (s0 + j < count) ob[(long long)px[j] * D] = yv[j];
                }
            }
            cp_async_wait_all();

            if (!active || !summary) return;
        #pragma unroll
            for (int n = 0; n < NSTATE; ++n)
            {
                const long long o = (row * p.segments + seg) * NSTATE + n;
                p.segE[o] = h[n];
                p.segP[o] = P[n];
            }
        }

        // SS2D's epilogue over the four-way kernel's outputs, one warp per pixel: y = Σ_k out[k] (the directions merged),
        // then LayerNorm over the channels (two passes: mean, then the centred variance, as libtorch's) with its weight and
        // bias, times SiLU(z); written over `out`'s pixel in (B, L, D). z is read at its own pixel stride (a half of in_proj's output).
        struct NormGateParams
        {
            const float* y4; const float* z; const float* weight; const float* bias; float* out;
            long long pixels; int channels, z_stride; float eps;
        };

        extern "C" __global__ void __launch_bounds__(256) mambair_fourway_norm_gate(NormGateParams p)
        {
            const int lane = threadIdx.x & 31;
            const long long q = (long long)blockIdx.x * 8 + (threadIdx.x >> 5);
            if (q >= p.pixels) return;
            const int D = p.channels;
            const long long plane = p.pixels * D;
            const float* y = p.y4 + q * D;
            float* o = p.out + q * D;
            float s = 0.f;
            for (int c = lane; c < D; c += 32)
            {
                const float v = y[c] + y[c + 2 * plane] + y[c + plane] + y[c + 3 * plane];
                o[c] = v;
                s += v;
            }
            const float mean = warp_sum(s) / D;
            float ss = 0.f;
            for (int c = lane; c < D; c += 32) { const float t = o[c] - mean; ss = fmaf(t, t, ss); }
            const float rstd = rsqrtf(warp_sum(ss) / D + p.eps);
            const float* zq = p.z + q * p.z_stride;
            for (int c = lane; c < D; c += 32)
            {
                const float zv = __ldg(zq + c);
                o[c] = fmaf((o[c] - mean) * rstd, __ldg(p.weight + c), __ldg(p.bias + c)) * (zv * sigmoid_(zv));
            }
        }
        #endif
        """;
}
