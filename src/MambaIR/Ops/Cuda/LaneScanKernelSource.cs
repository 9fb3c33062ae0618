namespace MambaIR.Ops.Cuda;

/// <summary>
/// CUDA C source of the lane-per-state forward kernel (<c>mambair_scan_fwd_lanes</c>, float32), compiled together with
/// <see cref="ScanKernelSource"/> (whose helpers and <c>FwdParams</c> it uses) when the macros <c>SPT</c> (states per
/// lane) and <c>LPC</c> (lanes per channel, a power of two, LPC·SPT ≥ N) are set.
/// <para>
/// Layout of the work: each lane owns SPT states of one channel and walks the sequence step after step with those states
/// in registers, so the recurrence has no cross-lane dependency at all (the window kernel's shuffle scans are gone); a
/// warp holds 32/LPC channels, a block up to 32 channels of one (batch, group). A block stages a window of 64 steps of B
/// and C (transposed, [step][state]) and of δ = softplus(delta + bias), δu and u for its channels in shared memory, read
/// there by every lane (B and C are read from global memory once per block, not once per channel). Every TSUB steps the
/// LPC lanes of a channel hold TSUB partial outputs each (their states' Σ h·C) and combine them with a transposing
/// reduction (log2(LPC) rounds of exchanges, halving the values each round), after which lane j holds the sums of its
/// TSUB/LPC steps. Outputs (+ D·u, ⊙ SiLU(z)) leave coalesced, a window at a time. Long sequences with few channels are
/// cut into segments exactly as for the window kernel (a summary pass writes each segment's end state and decay); the
/// checkpoints are the states entering the window kernel's windows of <c>ckpt_window</c> steps, so its backward reads them.
/// </para>
/// </summary>
internal static class LaneScanKernelSource
{
    public const string Text = """

        // ---- Lane-per-state forward (float32 only) ----
        #if !SCALAR_DOUBLE && defined(SPT) && defined(LPC)
        #define NPAD (LPC * SPT)
        #define TSUB (LPC >= 4 ? LPC : 4)
        #define CPW (32 / LPC)
        #define LWARPS (CPW <= 8 ? 4 : (CPW == 16 ? 2 : 1))
        #define CPB (LWARPS * CPW)
        #ifndef LWIN
        #define LWIN 64
        #endif
        #define SBS (NPAD + ((SPT % 4) == 0 ? 4 : ((SPT % 2) == 0 ? 2 : 1)))
        #define SWS (LWIN + 4)

        // SPT consecutive floats at p (16- or 8-byte aligned when SPT allows it).
        __device__ __forceinline__ void load_states(float (&v)[SPT], const float* p)
        {
        #if (SPT % 4) == 0
        #pragma unroll
            for (int s = 0; s < SPT; s += 4)
            {
                const float4 t = *reinterpret_cast<const float4*>(p + s);
                v[s] = t.x; v[s + 1] = t.y; v[s + 2] = t.z; v[s + 3] = t.w;
            }
        #elif (SPT % 2) == 0
        #pragma unroll
            for (int s = 0; s < SPT; s += 2)
            {
                const float2 t = *reinterpret_cast<const float2*>(p + s);
                v[s] = t.x; v[s + 1] = t.y;
            }
        #else
        #pragma unroll
            for (int s = 0; s < SPT; ++s) v[s] = p[s];
        #endif
        }

        extern "C" __global__ void __launch_bounds__(LWARPS * 32) mambair_scan_fwd_lanes(FwdParams p)
        {
            __shared__ __align__(16) float sB[LWIN * SBS];
            __shared__ __align__(16) float sC[LWIN * SBS];
            __shared__ __align__(16) float sDt[CPB * SWS];
            __shared__ __align__(16) float sDu[CPB * SWS];
            __shared__ __align__(16) float sU[CPB * SWS];
            __shared__ __align__(16) float sY[CPB * SWS];
            const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
            const int cl = lane / LPC, gl = lane % LPC; // channel within the warp, state group within the channel
            const int cb = warp * CPW + cl;             // channel within the block
            const int b = blockIdx.z, g = blockIdx.y;
            const int cpg = p.channels / p.groups;
            const int tiles = (cpg + CPB - 1) / CPB;
            const int seg = blockIdx.x / tiles, tile = blockIdx.x - seg * tiles;
            const int c0 = tile * CPB;
            const int cig = c0 + cb;
            const bool active = cig < cpg;
            const bool summary = p.mode == 1;
            const int d = g * cpg + (active ? cig : cpg - 1);
            const long long row = (long long)b * p.channels + d;
            const long long bcoff = ((long long)b * p.groups + g) * NSTATE * (long long)p.length;
            const float* Bg = p.B + bcoff;
            const float* Cg = p.C + bcoff;
            const int n0 = gl * SPT;
            const int wo = p.ckpt_window;
            const int windowsOld = (p.length + wo - 1) / wo;
            const int lBegin = seg * p.seg_windows * wo;
            const int lEnd = min(p.length, lBegin + p.seg_windows * wo);

            float an[SPT], h[SPT], P[SPT];
        #pragma unroll
            for (int s = 0; s < SPT; ++s)
            {
                const int n = n0 + s;
                an[s] = n < NSTATE ? p.A[d * NSTATE + n] * DECAY_SCALE : 0.f;
                float hv = 0.f;
                if (!summary && n < NSTATE)
                    for (int j = 0; j < seg; ++j)
                    {
                        const long long o = (row * p.segments + j) * NSTATE + n;
                        hv = p.segP[o] * hv + p.segE[o];
                    }
                h[s] = hv;
                P[s] = 1.f;
            }

            for (int l0 = lBegin; l0 < lEnd; l0 += LWIN)
            {
                __syncthreads(); // the previous window's shared data is no longer read
                for (int e = tid; e < NPAD * LWIN; e += LWARPS * 32)
                {
                    const int n = e / LWIN, s = e - n * LWIN, l = l0 + s;
                    const bool in = n < NSTATE && l < lEnd; // padding states and steps past the segment: B = C = 0
                    sB[s * SBS + n] = in ? __ldg(Bg + (long long)n * p.length + l) : 0.f;
                    if (!summary) sC[s * SBS + n] = in ? __ldg(Cg + (long long)n * p.length + l) : 0.f;
                }
                for (int e = tid; e < CPB * LWIN; e += LWARPS * 32)
                {
                    const int c = e / LWIN, s = e - c * LWIN, l = l0 + s, cg = c0 + c;
                    float dt = 0.f, uu = 0.f; // identity steps: exp(0) = 1, no input
                    if (cg < cpg && l < lEnd)
                    {
                        const int dd = g * cpg + cg;
                        const long long o = ((long long)b * p.channels + dd) * p.length + l;
                        const float x = __ldg(p.delta + o) + (p.bias ? __ldg(p.bias + dd) : 0.f);
                        dt = p.softplus ? softplus_(x) : x;
                        uu = __ldg(p.u + o);
                    }
                    sDt[c * SWS + s] = dt;
                    sDu[c * SWS + s] = dt * uu;
                    sU[c * SWS + s] = uu;
                }
                __syncthreads();
                if (p.ckpt && !summary && active && l0 % wo == 0)
                {
        #pragma unroll
                    for (int s = 0; s < SPT; ++s)
                        if (n0 + s < NSTATE) p.ckpt[(row * windowsOld + l0 / wo) * NSTATE + n0 + s] = h[s];
                }

        #pragma unroll 1
                for (int sub = 0; sub < LWIN; sub += TSUB)
                {
                    float acc[TSUB];
        #pragma unroll
                    for (int k4 = 0; k4 < TSUB; k4 += 4)
                    {
                        const float4 dt4 = *reinterpret_cast<const float4*>(sDt + cb * SWS + sub + k4);
                        const float4 du4 = *reinterpret_cast<const float4*>(sDu + cb * SWS + sub + k4);
                        const float dts[4] = { dt4.x, dt4.y, dt4.z, dt4.w };
                        const float dus[4] = { du4.x, du4.y, du4.z, du4.w };
        #pragma unroll
                        for (int kk = 0; kk < 4; ++kk)
                        {
                            const int k = k4 + kk;
                            float bv[SPT], cv[SPT];
                            load_states(bv, sB + (sub + k) * SBS + n0);
                            if (!summary) load_states(cv, sC + (sub + k) * SBS + n0);
                            float y = 0.f;
        #pragma unroll
                            for (int s = 0; s < SPT; ++s)
                            {
                                const float a = exp2f(dts[kk] * an[s]);
                                h[s] = fmaf(a, h[s], dus[kk] * bv[s]);
                                if (summary) P[s] *= a;
                                else y = fmaf(h[s], cv[s], y);
                            }
                            acc[k] = y;
                        }
                    }
                    if (!summary)
                    {
                        // Transposing reduction over the channel's LPC lanes: each round a lane keeps one half of its values
                        // and adds its partner's copy of that half; lane gl ends with steps gl*(TSUB/LPC) .. +TSUB/LPC-1.
        #pragma unroll
                        for (int off = LPC / 2, cnt = TSUB; off >= 1; off >>= 1, cnt >>= 1)
                        {
                            const bool upper = (gl & off) != 0;
        #pragma unroll
                            for (int i = 0; i < cnt / 2; ++i)
                            {
                                const float send = upper ? acc[i] : acc[i + cnt / 2];
                                const float keep = upper ? acc[i + cnt / 2] : acc[i];
                                acc[i] = keep + __shfl_xor_sync(FULL, send, off);
                            }
                        }
        #pragma unroll
                        for (int r = 0; r < TSUB / LPC; ++r) sY[cb * SWS + sub + gl * (TSUB / LPC) + r] = acc[r];
                    }
                }

                if (!summary)
                {
                    __syncwarp();
                    for (int e = lane; e < CPW * LWIN; e += 32)
                    {
                        const int c = e / LWIN, s = e - c * LWIN, l = l0 + s, cbx = warp * CPW + c, cg = c0 + cbx;
                        if (cg < cpg && l < lEnd)
                        {
                            const int dd = g * cpg + cg;
                            const long long o = ((long long)b * p.channels + dd) * p.length + l;
                            float v = sY[cbx * SWS + s] + (p.D ? __ldg(p.D + dd) : 0.f) * sU[cbx * SWS + s];
                            if (p.z) { const float zz = __ldg(p.z + o); v *= zz * sigmoid_(zz); }
                            p.out[o] = v;
                        }
                    }
                }
            }

            if (!active) return;
        #pragma unroll
            for (int s = 0; s < SPT; ++s)
            {
                const int n = n0 + s;
                if (n >= NSTATE) continue;
                if (summary)
                {
                    const long long o = (row * p.segments + seg) * NSTATE + n;
                    p.segE[o] = h[s];
                    p.segP[o] = P[s];
                }
                else if (p.last && seg == p.segments - 1) p.last[row * NSTATE + n] = h[s];
            }
        }
        #endif
        """;
}
