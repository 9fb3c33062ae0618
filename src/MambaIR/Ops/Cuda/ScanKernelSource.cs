namespace MambaIR.Ops.Cuda;

/// <summary>
/// CUDA C source of the fused selective-scan kernels, compiled at run time by NVRTC (see <see cref="CudaScanKernels"/>).
/// Macros set per compilation: <c>SCALAR_DOUBLE</c> (0: float, 1: double), <c>NSTATE</c> (N), <c>ITEMS</c> (steps per
/// lane, a divisor of 32) and <c>ROWS_MAX</c> (warps, i.e. channels, per block).
/// <para>
/// Layout of the work: a block holds up to ROWS_MAX channels of one (batch, group), one warp per channel, so the block's
/// warps read the same B and C (straight from global memory, or staged in shared memory one window of 32·ITEMS steps
/// at a time with BC_SMEM). Inside a window, lane i owns the ITEMS consecutive steps [i·ITEMS, (i+1)·ITEMS): for each
/// state n it composes its steps' affine maps h ↦ a·h + b sequentially in registers, the warp combines the 32 lanes'
/// maps with a shuffle scan (the chunks combined in parallel), and each lane replays its steps from its start state.
/// Windows follow each other, the state carried between them per (channel, n); few long rows are also cut into
/// segments scanned by separate blocks (a summary pass gives each segment its start). The forward can save the state entering every window (the
/// checkpoints); the backward walks the windows last to first, recomputes each window's states from its checkpoint,
/// runs the adjoint recurrence backwards with the same scan (suffix direction), and adds the block's dB/dC
/// contributions (summed over its channels in shared memory) to global memory with atomics. Nothing of size
/// (batch, channels, L, N) is ever stored.
/// </para>
/// </summary>
internal static class ScanKernelSource
{
    public const string Text = """
        // MambaIR.NET fused selective scan (forward and backward). Semantics of mamba_ssm's selective_scan_fn:
        //   dt = delta + bias; dt = softplus(dt) (threshold 20) if asked; h = exp(dt*A)*h + dt*B*u; y = sum_n h*C;
        //   out = (y + D*u) * silu(z).
        #ifndef NSTATE
        #error NSTATE must be defined
        #endif
        #ifndef ITEMS
        #define ITEMS 8
        #endif
        #ifndef ROWS_MAX
        #define ROWS_MAX 4
        #endif
        // Variant: BC_SMEM 1 stages each window's B and C in shared memory (the block's warps read them from there),
        // 0 has each lane read its steps' B and C straight from global memory (L1 serves the block's other warps);
        // NUNROLL states handled per iteration of the state loop (independent scans in flight together).
        #ifndef BC_SMEM
        #define BC_SMEM 0
        #endif
        #ifndef NUNROLL
        #define NUNROLL 1
        #endif
        #if NUNROLL == 4
        #define UNROLL_STATES _Pragma("unroll 4")
        #elif NUNROLL == 2
        #define UNROLL_STATES _Pragma("unroll 2")
        #else
        #define UNROLL_STATES _Pragma("unroll 1")
        #endif

        #if SCALAR_DOUBLE
        typedef double scalar;
        #define VEC 2
        #define DECAY_SCALE 1.0
        __device__ __forceinline__ double decay_exp(double x) { return exp(x); }
        __device__ __forceinline__ double softplus_(double x) { return x <= 20.0 ? log1p(exp(x)) : x; }
        __device__ __forceinline__ double sigmoid_(double x) { return 1.0 / (1.0 + exp(-x)); }
        #else
        typedef float scalar;
        #define VEC 4
        // exp(x) = 2^(x*log2(e)), as mamba_ssm's kernel computes it.
        #define DECAY_SCALE 1.4426950408889634f
        __device__ __forceinline__ float decay_exp(float x) { return exp2f(x); }
        __device__ __forceinline__ float softplus_(float x) { return x <= 20.f ? log1pf(expf(x)) : x; }
        __device__ __forceinline__ float sigmoid_(float x) { return 1.f / (1.f + expf(-x)); }
        #endif

        #define WINDOW (32 * ITEMS)
        // One padding slot after every 32 values: lane i reading element i*ITEMS+k hits 32 different banks.
        #define PAD(i) ((i) + ((i) >> 5))
        #define PW (WINDOW + WINDOW / 32)
        #define FULL 0xffffffffu

        // Long sequences with few channels are cut into `segments` runs of `seg_windows` windows, one block each, so that
        // enough warps run: mode 1 (summary) scans each segment from a zero state and writes its end state (backward: the
        // adjoint at its start) and its total decay per state into segE / segP; mode 0 (final) starts each segment from
        // the combination of the summaries before it (backward: after it) and writes the results.
        // vec: every row starts 16-byte aligned, so a lane's ITEMS steps can be read with 16-byte accesses.
        struct FwdParams
        {
            const scalar* u; const scalar* delta; const scalar* A; const scalar* B; const scalar* C;
            const scalar* D; const scalar* z; const scalar* bias;
            scalar* out; scalar* last; scalar* ckpt; scalar* segE; scalar* segP;
            int batch, channels, length, groups, softplus, rows, segments, seg_windows, mode, vec;
            int ckpt_window; // steps per checkpoint window (the lane kernel's; this file's kernels use WINDOW)
        };

        struct BwdParams
        {
            const scalar* u; const scalar* delta; const scalar* A; const scalar* B; const scalar* C;
            const scalar* D; const scalar* z; const scalar* bias; const scalar* ckpt; const scalar* gout; const scalar* glast;
            scalar* gu; scalar* gdelta; scalar* gz; scalar* gA; scalar* gB; scalar* gC; scalar* gD; scalar* gbias;
            scalar* segE; scalar* segP;
            int batch, channels, length, groups, softplus, rows, segments, seg_windows, mode, vec;
        };

        // Inclusive scan over lanes of affine maps (a, b), earlier lanes applied first: lane i ends with lanes 0..i composed.
        __device__ __forceinline__ void scan_forward(scalar& pa, scalar& pb, int lane)
        {
        #pragma unroll
            for (int off = 1; off < 32; off <<= 1)
            {
                scalar qa = __shfl_up_sync(FULL, pa, off), qb = __shfl_up_sync(FULL, pb, off);
                if (lane >= off) { pb = pa * qb + pb; pa = pa * qa; }
            }
        }

        // Inclusive scan over lanes of maps composed right to left: lane i ends with lanes i..31 (later lanes applied first).
        __device__ __forceinline__ void scan_backward(scalar& qa, scalar& qb, int lane)
        {
        #pragma unroll
            for (int off = 1; off < 32; off <<= 1)
            {
                scalar ra = __shfl_down_sync(FULL, qa, off), rb = __shfl_down_sync(FULL, qb, off);
                if (lane + off < 32) { qb = qa * rb + qb; qa = qa * ra; }
            }
        }

        __device__ __forceinline__ scalar warp_sum(scalar v)
        {
        #pragma unroll
            for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(FULL, v, off);
            return v;
        }

        // row[first .. first+ITEMS) into v, 0 past the end; 16-byte reads when the row allows them.
        __device__ __forceinline__ void load_items(scalar (&v)[ITEMS], const scalar* row, int first, int length, int vec)
        {
        #if ITEMS % VEC == 0
            if (vec && first + ITEMS <= length)
            {
        #pragma unroll
                for (int k = 0; k < ITEMS; k += VEC)
                {
        #if SCALAR_DOUBLE
                    const double2 t = __ldg(reinterpret_cast<const double2*>(row + first + k));
                    v[k] = t.x; v[k + 1] = t.y;
        #else
                    const float4 t = __ldg(reinterpret_cast<const float4*>(row + first + k));
                    v[k] = t.x; v[k + 1] = t.y; v[k + 2] = t.z; v[k + 3] = t.w;
        #endif
                }
                return;
            }
        #endif
        #pragma unroll
            for (int k = 0; k < ITEMS; ++k) v[k] = first + k < length ? row[first + k] : (scalar)0;
        }

        // v into row[first .. first+ITEMS), the steps before the end only.
        __device__ __forceinline__ void store_items(scalar* row, int first, int length, const scalar (&v)[ITEMS], int vec)
        {
        #if ITEMS % VEC == 0
            if (vec && first + ITEMS <= length)
            {
        #pragma unroll
                for (int k = 0; k < ITEMS; k += VEC)
                {
        #if SCALAR_DOUBLE
                    double2 t; t.x = v[k]; t.y = v[k + 1];
                    *reinterpret_cast<double2*>(row + first + k) = t;
        #else
                    float4 t; t.x = v[k]; t.y = v[k + 1]; t.z = v[k + 2]; t.w = v[k + 3];
                    *reinterpret_cast<float4*>(row + first + k) = t;
        #endif
                }
                return;
            }
        #endif
        #pragma unroll
            for (int k = 0; k < ITEMS; ++k) if (first + k < length) row[first + k] = v[k];
        }

        #if BC_SMEM
        // B and C of steps [l0, l0 + WINDOW) of one (batch, group), all states, into shared memory (0 past the end).
        __device__ __forceinline__ void stage_bc(const scalar* Bg, const scalar* Cg, int length, int l0, scalar* sB, scalar* sC, bool needB, bool needC)
        {
            for (int i = threadIdx.x; i < NSTATE * WINDOW; i += blockDim.x)
            {
                const int n = i / WINDOW, e = i - n * WINDOW, l = l0 + e;
                const bool in = l < length;
                if (needB) sB[n * PW + PAD(e)] = in ? Bg[(long long)n * length + l] : (scalar)0;
                if (needC) sC[n * PW + PAD(e)] = in ? Cg[(long long)n * length + l] : (scalar)0;
            }
        }
        #define BC_SHARED __shared__ scalar sB[NSTATE * PW]; __shared__ scalar sC[NSTATE * PW];
        #define STAGE_BC(needB, needC) __syncthreads(); stage_bc(Bg, Cg, p.length, l0, sB, sC, needB, needC); __syncthreads();
        // This lane's steps of state n: from shared memory.
        #define GET_BC(v, which, n) _Pragma("unroll") for (int k_ = 0; k_ < ITEMS; ++k_) v[k_] = which[(n) * PW + PAD(lane * ITEMS + k_)];
        #define GET_B(v, n) GET_BC(v, sB, n)
        #define GET_C(v, n) GET_BC(v, sC, n)
        #else
        #define BC_SHARED
        #define STAGE_BC(needB, needC)
        // This lane's steps of state n: straight from global memory (0 past the end).
        #define GET_B(v, n) load_items(v, Bg + (long long)(n) * p.length, first, p.length, p.vec);
        #define GET_C(v, n) load_items(v, Cg + (long long)(n) * p.length, first, p.length, p.vec);
        #endif

        extern "C" __global__ void __launch_bounds__(ROWS_MAX * 32) mambair_scan_fwd(FwdParams p)
        {
            BC_SHARED
            __shared__ scalar sCarry[ROWS_MAX * NSTATE];
            __shared__ scalar sDecay[ROWS_MAX * NSTATE];
            const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
            const int b = blockIdx.z, g = blockIdx.y;
            const int cpg = p.channels / p.groups;
            const int tiles = (cpg + p.rows - 1) / p.rows;
            const int seg = blockIdx.x / tiles;
            const int cig = (blockIdx.x - seg * tiles) * p.rows + warp;
            const bool active = cig < cpg; // warps past the group's end only help stage B and C
            const bool summary = p.mode == 1;
            const int d = g * cpg + (active ? cig : cpg - 1);
            const long long row = (long long)b * p.channels + d;
            const long long rowoff = row * p.length;
            const long long bcoff = ((long long)b * p.groups + g) * NSTATE * (long long)p.length;
            const scalar* Bg = p.B + bcoff;
            const scalar* Cg = p.C + bcoff;
            const int windows = (p.length + WINDOW - 1) / WINDOW;
            const int wBegin = seg * p.seg_windows, wEnd = min(windows, wBegin + p.seg_windows);
            for (int n = lane; n < NSTATE; n += 32)
            {
                // The state entering this segment: the segments before it, composed in order (none in summary mode).
                scalar h = 0;
                if (!summary)
                    for (int j = 0; j < seg; ++j)
                    {
                        const long long o = (row * p.segments + j) * NSTATE + n;
                        h = p.segP[o] * h + p.segE[o];
                    }
                sCarry[warp * NSTATE + n] = h;
                sDecay[warp * NSTATE + n] = 1;
            }
            __syncwarp();
            const scalar Dd = p.D ? p.D[d] : (scalar)0, bd = p.bias ? p.bias[d] : (scalar)0;

            for (int w = wBegin; w < wEnd; ++w)
            {
                const int l0 = w * WINDOW, first = l0 + lane * ITEMS;
                STAGE_BC(true, !summary)
                scalar dt[ITEMS], uu[ITEMS], y[ITEMS];
                load_items(dt, p.delta + rowoff, first, p.length, p.vec);
                load_items(uu, p.u + rowoff, first, p.length, p.vec);
        #pragma unroll
                for (int k = 0; k < ITEMS; ++k)
                {
                    const scalar x = dt[k] + bd;
                    // Steps past the end are identities: exp(0) = 1 and no input (u reads 0 there).
                    dt[k] = first + k < p.length ? (p.softplus ? softplus_(x) : x) : (scalar)0;
                    y[k] = 0;
                }

                UNROLL_STATES
                for (int n = 0; n < NSTATE; ++n)
                {
                    const scalar an = p.A[d * NSTATE + n] * DECAY_SCALE;
                    scalar bv[ITEMS], a[ITEMS], bx[ITEMS];
                    GET_B(bv, n)
                    scalar pa = 1, pb = 0;
        #pragma unroll
                    for (int k = 0; k < ITEMS; ++k)
                    {
                        a[k] = decay_exp(dt[k] * an);
                        bx[k] = dt[k] * uu[k] * bv[k];
                        pb = a[k] * pb + bx[k];
                        pa = pa * a[k];
                    }
                    scan_forward(pa, pb, lane);
                    scalar ea = __shfl_up_sync(FULL, pa, 1), eb = __shfl_up_sync(FULL, pb, 1);
                    if (lane == 0) { ea = 1; eb = 0; }
                    const scalar carry = sCarry[warp * NSTATE + n];
                    if (p.ckpt && active && lane == 0 && !summary) p.ckpt[(row * windows + w) * NSTATE + n] = carry;
                    if (!summary)
                    {
                        scalar cv[ITEMS];
                        GET_C(cv, n)
                        scalar h = ea * carry + eb;
        #pragma unroll
                        for (int k = 0; k < ITEMS; ++k)
                        {
                            h = a[k] * h + bx[k];
                            y[k] += h * cv[k];
                        }
                    }
                    const scalar ta = __shfl_sync(FULL, pa, 31), tb = __shfl_sync(FULL, pb, 31);
                    if (lane == 0)
                    {
                        sCarry[warp * NSTATE + n] = ta * carry + tb;
                        sDecay[warp * NSTATE + n] *= ta;
                    }
                    __syncwarp();
                }

                if (active && !summary)
                {
                    scalar zz[ITEMS];
                    if (p.z) load_items(zz, p.z + rowoff, first, p.length, p.vec);
        #pragma unroll
                    for (int k = 0; k < ITEMS; ++k)
                    {
                        y[k] += Dd * uu[k];
                        if (p.z) y[k] *= zz[k] * sigmoid_(zz[k]);
                    }
                    store_items(p.out + rowoff, first, p.length, y, p.vec);
                }
            }
            __syncwarp();
            if (summary && active)
                for (int n = lane; n < NSTATE; n += 32)
                {
                    const long long o = (row * p.segments + seg) * NSTATE + n;
                    p.segE[o] = sCarry[warp * NSTATE + n];
                    p.segP[o] = sDecay[warp * NSTATE + n];
                }
            if (!summary && p.last && active && seg == p.segments - 1)
                for (int n = lane; n < NSTATE; n += 32) p.last[row * NSTATE + n] = sCarry[warp * NSTATE + n];
        }

        extern "C" __global__ void __launch_bounds__(ROWS_MAX * 32) mambair_scan_bwd(BwdParams p)
        {
            BC_SHARED
            __shared__ scalar sRB[ROWS_MAX * PW];
            __shared__ scalar sRC[ROWS_MAX * PW];
            __shared__ scalar sCarry[ROWS_MAX * NSTATE];
            __shared__ scalar sGA[ROWS_MAX * NSTATE];
            __shared__ scalar sDecay[ROWS_MAX * NSTATE];
            const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
            const int b = blockIdx.z, g = blockIdx.y;
            const int cpg = p.channels / p.groups;
            const int tiles = (cpg + p.rows - 1) / p.rows;
            const int seg = blockIdx.x / tiles;
            const int cig = (blockIdx.x - seg * tiles) * p.rows + warp;
            const bool active = cig < cpg;
            const bool summary = p.mode == 1;
            const int d = g * cpg + (active ? cig : cpg - 1);
            const long long row = (long long)b * p.channels + d;
            const long long rowoff = row * p.length;
            const long long bcoff = ((long long)b * p.groups + g) * NSTATE * (long long)p.length;
            const scalar* Bg = p.B + bcoff;
            const scalar* Cg = p.C + bcoff;
            const int windows = (p.length + WINDOW - 1) / WINDOW;
            const int wBegin = seg * p.seg_windows, wEnd = min(windows, wBegin + p.seg_windows);
            for (int n = lane; n < NSTATE; n += 32)
            {
                // The adjoint entering the segment's last step from the right: the gradient of the last state carried
                // back through the segments after this one (none in summary mode).
                scalar e = 0;
                if (!summary)
                {
                    e = p.glast ? p.glast[row * NSTATE + n] : (scalar)0;
                    for (int j = p.segments - 1; j > seg; --j)
                    {
                        const long long o = (row * p.segments + j) * NSTATE + n;
                        e = p.segP[o] * e + p.segE[o];
                    }
                }
                sCarry[warp * NSTATE + n] = e;
                sGA[warp * NSTATE + n] = 0;
                sDecay[warp * NSTATE + n] = 1;
            }
            __syncwarp();
            const scalar Dd = p.D ? p.D[d] : (scalar)0, bd = p.bias ? p.bias[d] : (scalar)0;
            scalar dDacc = 0, dbacc = 0;

            for (int w = wEnd - 1; w >= wBegin; --w)
            {
                const int l0 = w * WINDOW, first = l0 + lane * ITEMS;
                STAGE_BC(!summary, true)
                scalar dt[ITEMS], uu[ITEMS], gy[ITEMS], dsp[ITEMS], sumB[ITEMS], sumA[ITEMS], y[ITEMS];
                load_items(dt, p.delta + rowoff, first, p.length, p.vec);
                load_items(uu, p.u + rowoff, first, p.length, p.vec);
                load_items(gy, p.gout + rowoff, first, p.length, p.vec);
                if (p.z)
                {
                    scalar zz[ITEMS];
                    load_items(zz, p.z + rowoff, first, p.length, p.vec);
        #pragma unroll
                    for (int k = 0; k < ITEMS; ++k) gy[k] *= zz[k] * sigmoid_(zz[k]);
                }
        #pragma unroll
                for (int k = 0; k < ITEMS; ++k)
                {
                    const bool in = first + k < p.length;
                    const scalar x = dt[k] + bd;
                    if (p.softplus) { dt[k] = softplus_(x); dsp[k] = x <= (scalar)20 ? sigmoid_(x) : (scalar)1; }
                    else { dt[k] = x; dsp[k] = 1; }
                    if (!in) { dt[k] = 0; dsp[k] = 0; } // identity steps (u and gy read 0 there)
                    sumB[k] = 0; sumA[k] = 0; y[k] = 0;
                }

                if (summary)
                {
                    // Only the adjoint map of each state over this window: E_first = qa*E_in + qb.
                    UNROLL_STATES
                    for (int n = 0; n < NSTATE; ++n)
                    {
                        const scalar an = p.A[d * NSTATE + n] * DECAY_SCALE;
                        scalar cv[ITEMS];
                        GET_C(cv, n)
                        scalar qa = 1, qb = 0;
        #pragma unroll
                        for (int k = ITEMS - 1; k >= 0; --k)
                        {
                            const scalar a = decay_exp(dt[k] * an);
                            qb = a * (gy[k] * cv[k] + qb);
                            qa = a * qa;
                        }
                        scan_backward(qa, qb, lane);
                        const scalar fa = __shfl_sync(FULL, qa, 0), fb = __shfl_sync(FULL, qb, 0);
                        if (lane == 0)
                        {
                            sCarry[warp * NSTATE + n] = fa * sCarry[warp * NSTATE + n] + fb;
                            sDecay[warp * NSTATE + n] *= fa;
                        }
                        __syncwarp();
                    }
                    continue;
                }

                UNROLL_STATES
                for (int n = 0; n < NSTATE; ++n)
                {
                    const scalar An = p.A[d * NSTATE + n], an = An * DECAY_SCALE;
                    scalar bv[ITEMS], cv[ITEMS], a[ITEMS], bx[ITEMS], h[ITEMS];
                    GET_B(bv, n)
                    GET_C(cv, n)
                    // States of this window from its checkpoint.
                    scalar pa = 1, pb = 0;
        #pragma unroll
                    for (int k = 0; k < ITEMS; ++k)
                    {
                        a[k] = decay_exp(dt[k] * an);
                        bx[k] = dt[k] * uu[k] * bv[k];
                        pb = a[k] * pb + bx[k];
                        pa = pa * a[k];
                    }
                    scan_forward(pa, pb, lane);
                    scalar ea = __shfl_up_sync(FULL, pa, 1), eb = __shfl_up_sync(FULL, pb, 1);
                    if (lane == 0) { ea = 1; eb = 0; }
                    const scalar hs = ea * p.ckpt[(row * windows + w) * NSTATE + n] + eb; // state before the lane's first step
                    {
                        scalar hp = hs;
        #pragma unroll
                        for (int k = 0; k < ITEMS; ++k)
                        {
                            hp = a[k] * hp + bx[k];
                            h[k] = hp;
                            y[k] += hp * cv[k];
                        }
                    }
                    // Adjoint: G_l = gy_l*C_l + E_{l+1}, E_l = a_l*G_l; each lane's steps map E entering from the right
                    // to E leaving at its first step: E_first = qa*E_in + qb.
                    scalar qa = 1, qb = 0;
        #pragma unroll
                    for (int k = ITEMS - 1; k >= 0; --k)
                    {
                        qb = a[k] * (gy[k] * cv[k] + qb);
                        qa = a[k] * qa;
                    }
                    scan_backward(qa, qb, lane);
                    scalar xa = __shfl_down_sync(FULL, qa, 1), xb = __shfl_down_sync(FULL, qb, 1);
                    if (lane == 31) { xa = 1; xb = 0; }
                    const scalar ec = sCarry[warp * NSTATE + n];
                    const scalar fa = __shfl_sync(FULL, qa, 0), fb = __shfl_sync(FULL, qb, 0);
                    scalar E = xa * ec + xb;
                    scalar dAn = 0;
        #pragma unroll
                    for (int k = ITEMS - 1; k >= 0; --k)
                    {
                        const int e = lane * ITEMS + k;
                        const scalar G = gy[k] * cv[k] + E;
                        const scalar hp = k > 0 ? h[k - 1] : hs;
                        sRC[warp * PW + PAD(e)] = active ? gy[k] * h[k] : (scalar)0;
                        sRB[warp * PW + PAD(e)] = active ? G * dt[k] * uu[k] : (scalar)0;
                        sumB[k] += G * bv[k];
                        const scalar t = G * hp * a[k];
                        sumA[k] += t * An;
                        dAn += t * dt[k];
                        E = a[k] * G;
                    }
                    dAn = warp_sum(dAn);
                    if (lane == 0) { sCarry[warp * NSTATE + n] = fa * ec + fb; sGA[warp * NSTATE + n] += dAn; }
                    __syncthreads();
                    // dB, dC of this window and state: the block's channels summed here, then one atomic per element.
                    const long long gbase = bcoff + (long long)n * p.length + l0;
                    for (int e = threadIdx.x; e < WINDOW; e += blockDim.x)
                    {
                        if (l0 + e < p.length)
                        {
                            scalar sb = 0, sc = 0;
                            for (int r = 0; r < p.rows; ++r) { sb += sRB[r * PW + PAD(e)]; sc += sRC[r * PW + PAD(e)]; }
                            atomicAdd(p.gB + gbase + e, sb);
                            atomicAdd(p.gC + gbase + e, sc);
                        }
                    }
                    __syncthreads();
                }

                if (active)
                {
                    scalar o1[ITEMS], o2[ITEMS];
        #pragma unroll
                    for (int k = 0; k < ITEMS; ++k)
                    {
                        o1[k] = (uu[k] * sumB[k] + sumA[k]) * dsp[k]; // d(delta), 0 past the end
                        dbacc += o1[k];
                        o2[k] = dt[k] * sumB[k] + Dd * gy[k];       // du
                        dDacc += gy[k] * uu[k];
                    }
                    store_items(p.gdelta + rowoff, first, p.length, o1, p.vec);
                    store_items(p.gu + rowoff, first, p.length, o2, p.vec);
                    if (p.z)
                    {
                        scalar zz[ITEMS], go[ITEMS];
                        load_items(zz, p.z + rowoff, first, p.length, p.vec);
                        load_items(go, p.gout + rowoff, first, p.length, p.vec);
        #pragma unroll
                        for (int k = 0; k < ITEMS; ++k)
                        {
                            const scalar s = sigmoid_(zz[k]);
                            o1[k] = go[k] * (y[k] + Dd * uu[k]) * s * ((scalar)1 + zz[k] * ((scalar)1 - s));
                        }
                        store_items(p.gz + rowoff, first, p.length, o1, p.vec);
                    }
                }
            }
            __syncwarp();
            if (summary)
            {
                if (active)
                    for (int n = lane; n < NSTATE; n += 32)
                    {
                        const long long o = (row * p.segments + seg) * NSTATE + n;
                        p.segE[o] = sCarry[warp * NSTATE + n];
                        p.segP[o] = sDecay[warp * NSTATE + n];
                    }
                return;
            }
            dDacc = warp_sum(dDacc);
            dbacc = warp_sum(dbacc);
            __syncwarp();
            if (active)
            {
                // Several segments add to the same row: gA, gD and gbias are zeroed by the host.
                if (lane == 0 && p.gD) atomicAdd(p.gD + row, dDacc);
                if (lane == 0 && p.gbias) atomicAdd(p.gbias + row, dbacc);
                for (int n = lane; n < NSTATE; n += 32) atomicAdd(p.gA + row * NSTATE + n, sGA[warp * NSTATE + n]);
            }
        }
        """;
}
