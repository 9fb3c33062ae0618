namespace MambaIR.Ops.Cuda;

/// <summary>
/// CUDA C source of the channel-per-thread forward kernel (<c>mambair_scan_fwd_chan</c>, float32, N ≤ 32), compiled together
/// with <see cref="ScanKernelSource"/> (whose helpers and <c>FwdParams</c> it uses) when the macro <c>CHAN</c> is set.
/// <para>
/// Layout of the work: each thread owns one channel row and all N of its states, in registers, and walks its steps four at
/// a time: δ and u (and z) come straight from global memory, 16 bytes per row per read, the outputs leave the same way; a
/// block holds <c>CHAN_BLOCK</c> channels of one (batch, group), which share B and C, staged one window of
/// <c>CHAN_WINDOW</c> steps at a time in shared memory ([step][state], read by every thread of the block at the same
/// address: broadcasts), the next window copied in with <c>cp.async</c> while the current one is scanned; each thread reads
/// its next four steps of δ and u while it computes the current four. No lane exchanges anything with another, the N recurrences of a thread are independent chains
/// (the latency of one step is hidden by the other states), and the shared memory per block is small (2 buffers of B and
/// C, each window · (N + 4) floats), so many blocks fit on a multiprocessor. Parallelism beyond the rows comes from segments
/// of the sequence as for the lane kernel (a summary pass writes each segment's end state and total decay,
/// <c>mambair_scan_seg_starts</c> turns those into each segment's start state, and the final pass starts from it); the checkpoints are the states entering the window kernel's
/// windows of <c>ckpt_window</c> steps, which its backward reads.
/// </para>
/// </summary>
internal static class ChannelScanKernelSource
{
    public const string Text = """

        // ---- Channel-per-thread forward (float32 only, N <= 32) ----
        #if !SCALAR_DOUBLE && defined(CHAN) && NSTATE <= 32
        #ifndef CHAN_BLOCK
        #define CHAN_BLOCK 64
        #endif
        #ifndef CHAN_WINDOW
        #define CHAN_WINDOW 64
        #endif
        // A step's N values, padded to whole float4 reads plus 4: the transposing copy into shared memory then hits 8 banks
        // per 32 consecutive steps (a stride of 16 would hit 2).
        #define CHAN_NP ((NSTATE + 3) / 4 * 4 + 4)

        // 2^x in one SFU instruction (results below 2^-126 flush to zero: a decay that small leaves no trace in h).
        __device__ __forceinline__ float ex2_ftz(float x) { float r; asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x)); return r; }

        __device__ __forceinline__ void cp_async4(float* dst, const float* src)
        {
            const unsigned d = (unsigned)__cvta_generic_to_shared(dst);
            asm volatile("cp.async.ca.shared.global [%0], [%1], 4;" :: "r"(d), "l"(src));
        }
        __device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;"); }
        __device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }

        // Steps [l, l + 4) of a row of δ and u into registers (0 from `end` on): 16-byte reads where the row allows them.
        __device__ __forceinline__ void load4(float (&dl)[4], float (&ul)[4], const float* delta, const float* u, long long o, int l, int end, bool vec4)
        {
            if (vec4 && l + 4 <= end)
            {
                const float4 t = __ldg(reinterpret_cast<const float4*>(delta + o));
                const float4 v = __ldg(reinterpret_cast<const float4*>(u + o));
                dl[0] = t.x; dl[1] = t.y; dl[2] = t.z; dl[3] = t.w;
                ul[0] = v.x; ul[1] = v.y; ul[2] = v.z; ul[3] = v.w;
                return;
            }
        #pragma unroll
            for (int k = 0; k < 4; ++k)
            {
                const bool in = l + k < end;
                dl[k] = in ? __ldg(delta + o + k) : 0.f;
                ul[k] = in ? __ldg(u + o + k) : 0.f;
            }
        }

        extern "C" __global__ void __launch_bounds__(CHAN_BLOCK) mambair_scan_fwd_chan(FwdParams p)
        {
            // B and C of two windows: the next one is copied in (cp.async, no registers) while the current one is scanned.
            __shared__ __align__(16) float sB[2][CHAN_WINDOW * CHAN_NP];
            __shared__ __align__(16) float sC[2][CHAN_WINDOW * CHAN_NP];
            const int tid = threadIdx.x;
            const int b = blockIdx.z, g = blockIdx.y;
            const int cpg = p.channels / p.groups;
            const int tiles = (cpg + CHAN_BLOCK - 1) / CHAN_BLOCK;
            const int seg = blockIdx.x / tiles, tile = blockIdx.x - seg * tiles;
            const int cig = tile * CHAN_BLOCK + tid;
            const bool active = cig < cpg;
            const bool summary = p.mode == 1;
            const int d = g * cpg + (active ? cig : cpg - 1);
            const long long row = (long long)b * p.channels + d;
            const long long bcoff = ((long long)b * p.groups + g) * NSTATE * (long long)p.length;
            const float* Bg = p.B + bcoff;
            const float* Cg = p.C + bcoff;
            const int wo = p.ckpt_window;
            const int windowsOld = (p.length + wo - 1) / wo;
            const int lBegin = seg * p.seg_windows * wo;
            const int lEnd = min(p.length, lBegin + p.seg_windows * wo);
            const float bias = p.bias ? __ldg(p.bias + d) : 0.f;
            const float dskip = p.D ? __ldg(p.D + d) : 0.f;

            float an[NSTATE], h[NSTATE], P[NSTATE];
        #pragma unroll
            for (int n = 0; n < NSTATE; ++n)
            {
                an[n] = __ldg(p.A + d * NSTATE + n) * DECAY_SCALE;
                h[n] = 0.f;
                P[n] = 1.f;
            }
            // The final pass starts each segment from the state mambair_scan_seg_starts left in segE.
            if (!summary && seg > 0)
            {
                const long long o = (row * p.segments + seg) * NSTATE;
        #pragma unroll
                for (int n = 0; n < NSTATE; ++n) h[n] = p.segE[o + n];
            }
            const long long base = row * p.length;
            const bool vec4 = p.vec != 0;

            // Window w's B and C into buffer `buf` (zeros past the segment's end).
            auto stage = [&](int buf, int l0)
            {
                const int count = min(CHAN_WINDOW, lEnd - l0);
                for (int e = tid; e < NSTATE * CHAN_WINDOW; e += CHAN_BLOCK)
                {
                    const int n = e / CHAN_WINDOW, s = e - n * CHAN_WINDOW;
                    float* db = &sB[buf][s * CHAN_NP + n];
                    float* dc = &sC[buf][s * CHAN_NP + n];
                    if (s < count)
                    {
                        cp_async4(db, Bg + (long long)n * p.length + l0 + s);
                        if (!summary) cp_async4(dc, Cg + (long long)n * p.length + l0 + s);
                    }
                    else { *db = 0.f; *dc = 0.f; }
                }
                cp_async_commit();
            };

            // The next four steps' δ and u are read one group ahead, so that their latency overlaps the current group's work.
            float nd[4], nu[4];
            if (active) load4(nd, nu, p.delta, p.u, base + lBegin, lBegin, lEnd, vec4);
            stage(0, lBegin);
            int buf = 0;
            for (int l0 = lBegin; l0 < lEnd; l0 += CHAN_WINDOW, buf ^= 1)
            {
                const int count = min(CHAN_WINDOW, lEnd - l0);
                cp_async_wait_all();
                __syncthreads(); // this window's B and C are in; every thread is done with the other buffer
                if (l0 + CHAN_WINDOW < lEnd) stage(buf ^ 1, l0 + CHAN_WINDOW);
                if (!active) continue;
                if (p.ckpt && !summary && l0 % wo == 0)
                {
                    float* ck = p.ckpt + (row * windowsOld + l0 / wo) * NSTATE;
        #pragma unroll
                    for (int n = 0; n < NSTATE; ++n) ck[n] = h[n];
                }
                const float* sBw = sB[buf];
                const float* sCw = sC[buf];

        #pragma unroll 1
                for (int s0 = 0; s0 < count; s0 += 4)
                {
                    const long long o = base + l0 + s0;
                    float dl[4], ul[4];
        #pragma unroll
                    for (int k = 0; k < 4; ++k) { dl[k] = nd[k]; ul[k] = nu[k]; }
                    if (l0 + s0 + 4 < lEnd) load4(nd, nu, p.delta, p.u, o + 4, l0 + s0 + 4, lEnd, vec4);
                    float yv[4];
        #pragma unroll
                    for (int k = 0; k < 4; ++k)
                    {
                        const float x = dl[k] + bias;
                        // Steps past the end are identities: δ = 0 (decay 1) and no input.
                        const float dt = s0 + k < count ? (p.softplus ? softplus_(x) : x) : 0.f;
                        const float du = dt * ul[k];
                        const float* Bs = sBw + (s0 + k) * CHAN_NP;
                        const float* Cs = sCw + (s0 + k) * CHAN_NP;
                        float y = 0.f;
        #pragma unroll
                        for (int n = 0; n < NSTATE; ++n)
                        {
                            const float a = ex2_ftz(dt * an[n]);
                            h[n] = fmaf(a, h[n], du * Bs[n]);
                            if (summary) P[n] *= a;
                            else y = fmaf(h[n], Cs[n], y);
                        }
                        yv[k] = fmaf(dskip, ul[k], y);
                    }
                    if (summary) continue;
                    const bool full = s0 + 4 <= count;
                    if (p.z)
                    {
        #pragma unroll
                        for (int k = 0; k < 4; ++k)
                            if (s0 + k < count) { const float zz = __ldg(p.z + o + k); yv[k] *= zz * sigmoid_(zz); }
                    }
                    if (vec4 && full) *reinterpret_cast<float4*>(p.out + o) = make_float4(yv[0], yv[1], yv[2], yv[3]);
                    else
                    {
        #pragma unroll
                        for (int k = 0; k < 4; ++k) if (s0 + k < count) p.out[o + k] = yv[k];
                    }
                }
            }
            cp_async_wait_all();

            if (!active) return;
        #pragma unroll
            for (int n = 0; n < NSTATE; ++n)
            {
                if (summary)
                {
                    const long long o = (row * p.segments + seg) * NSTATE + n;
                    p.segE[o] = h[n];
                    p.segP[o] = P[n];
                }
                else if (p.last && seg == p.segments - 1) p.last[row * NSTATE + n] = h[n];
            }
        }

        // Between the two passes: for every (row, state), the state entering each segment, from the summaries of those before
        // it (segE: end state from a zero start, segP: total decay), written over segE: h(0) = 0, h(j+1) = P(j)·h(j) + E(j).
        extern "C" __global__ void mambair_scan_seg_starts(FwdParams p)
        {
            const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            const long long rows = (long long)p.batch * p.channels;
            if (i >= rows * NSTATE) return;
            const long long row = i / NSTATE, n = i - row * NSTATE;
            float hv = 0.f;
            for (int j = 0; j < p.segments; ++j)
            {
                const long long o = (row * p.segments + j) * NSTATE + n;
                const float e = p.segE[o];
                p.segE[o] = hv;
                hv = p.segP[o] * hv + e;
            }
        }
        #endif
        """;
}
