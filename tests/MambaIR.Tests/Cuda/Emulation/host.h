// Host stand-ins for the CUDA built-ins the channel and four-way kernels use, so that their CUDA C runs on the CPU:
// one std::thread per CUDA thread of a block, __syncthreads a std::barrier, blocks one after another, __shared__
// arrays function statics (one block at a time uses them). cp.async becomes a plain copy and ex2.approx exp2f
// (CudaKernelEmulationTests rewrites those helpers). For checking the kernels' indexing and control flow off the GPU, not their speed.
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>
#define __global__
#define __device__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(x)
#define __align__(n) __attribute__((aligned(n)))
#define _Pragma(x)
struct uint3 { unsigned x, y, z; };
inline thread_local uint3 threadIdx, blockIdx;
inline thread_local uint3 blockDim;
inline std::barrier<>* g_barrier;
inline void __syncthreads() { g_barrier->arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { std::fprintf(stderr, "__syncwarp is not emulated\n"); std::abort(); }
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) double2 { double x, y; };
inline float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }
inline double2 make_double2(double a, double b) { return {a, b}; }
template <class T> inline T __ldg(const T* p) { return *p; }
template <class T> inline T shfl_unemulated() { std::fprintf(stderr, "warp shuffles are not emulated\n"); std::abort(); }
inline float __shfl_up_sync(unsigned, float, int) { return shfl_unemulated<float>(); }
inline double __shfl_up_sync(unsigned, double, int) { return shfl_unemulated<double>(); }
inline float __shfl_down_sync(unsigned, float, int) { return shfl_unemulated<float>(); }
inline double __shfl_down_sync(unsigned, double, int) { return shfl_unemulated<double>(); }
inline float __shfl_sync(unsigned, float, int) { return shfl_unemulated<float>(); }
inline double __shfl_sync(unsigned, double, int) { return shfl_unemulated<double>(); }
inline int __shfl_sync(unsigned, int, int) { return shfl_unemulated<int>(); }
// The butterfly exchange of warp_sum, through a block-wide buffer and two barriers: every thread of the block must call it
// together (the norm-gate kernel's warps all do when the block holds only whole, active warps; see launch_warps).
inline float g_exchange[1024];
inline float __shfl_xor_sync(unsigned, float v, int mask)
{
    const unsigned t = threadIdx.x;
    g_exchange[t] = v;
    __syncthreads();
    const float r = g_exchange[t ^ (unsigned)mask];
    __syncthreads();
    return r;
}
inline double __shfl_xor_sync(unsigned, double, int) { return shfl_unemulated<double>(); }
inline float atomicAdd(float* p, float v) { float o = *p; *p += v; return o; }
inline double atomicAdd(double* p, double v) { double o = *p; *p += v; return o; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }

// Runs one block (x, y, z) of kernel(p) with `threads` threads.
template <class P> void run_block(void (*kernel)(P), unsigned x, unsigned y, unsigned z, unsigned threads, unsigned dim, P p)
{
    std::barrier<> bar(threads);
    g_barrier = &bar;
    std::vector<std::thread> ts;
    for (unsigned t = 0; t < threads; ++t)
        ts.emplace_back([=] { threadIdx = {t, 0, 0}; blockIdx = {x, y, z}; blockDim = {dim, 1, 1}; kernel(p); });
    for (auto& t : ts) t.join();
}

// Runs kernel(p) over grid (gx, gy, gz) with `threads` threads per block.
template <class P> void launch(void (*kernel)(P), unsigned gx, unsigned gy, unsigned gz, unsigned threads, P p)
{
    for (unsigned z = 0; z < gz; ++z)
        for (unsigned y = 0; y < gy; ++y)
            for (unsigned x = 0; x < gx; ++x) run_block(kernel, x, y, z, threads, threads, p);
}

// A kernel of one warp per item, `warps` warps per block, over `items` items: the last block gets only the warps that
// have an item (on the GPU the others return at once; here they would never reach the exchange's barriers).
template <class P> void launch_warps(void (*kernel)(P), long long items, unsigned warps, P p)
{
    for (long long x = 0; x * warps < items; ++x)
        run_block(kernel, (unsigned)x, 0, 0, 32u * (unsigned)std::min<long long>(warps, items - x * warps), 32u * warps, p);
}
