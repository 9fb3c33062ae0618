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
inline float __shfl_xor_sync(unsigned, float, int) { return shfl_unemulated<float>(); }
inline double __shfl_xor_sync(unsigned, double, int) { return shfl_unemulated<double>(); }
inline float atomicAdd(float* p, float v) { float o = *p; *p += v; return o; }
inline double atomicAdd(double* p, double v) { double o = *p; *p += v; return o; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }

// Runs kernel(p) over grid (gx, gy, gz) with `threads` threads per block.
template <class P> void launch(void (*kernel)(P), unsigned gx, unsigned gy, unsigned gz, unsigned threads, P p)
{
    for (unsigned z = 0; z < gz; ++z)
        for (unsigned y = 0; y < gy; ++y)
            for (unsigned x = 0; x < gx; ++x)
            {
                std::barrier<> bar(threads);
                g_barrier = &bar;
                std::vector<std::thread> ts;
                for (unsigned t = 0; t < threads; ++t)
                    ts.emplace_back([=] { threadIdx = {t, 0, 0}; blockIdx = {x, y, z}; blockDim = {threads, 1, 1}; kernel(p); });
                for (auto& t : ts) t.join();
            }
}
