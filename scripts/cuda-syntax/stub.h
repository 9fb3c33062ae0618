// Declarations of the CUDA built-ins the scan kernels use, enough for clang to type-check their source without a CUDA
// toolkit (scripts/cuda-syntax/check.sh); nothing here is compiled into the product.
typedef unsigned long size_t;
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(x) __attribute__((launch_bounds(x)))
#define __align__(n) __attribute__((aligned(n)))
struct uint3 { unsigned x, y, z; };
struct dim3 { unsigned x, y, z; };
extern const __device__ uint3 threadIdx; extern const __device__ uint3 blockIdx; extern const __device__ dim3 blockDim;
struct __align__(16) float4 { float x, y, z, w; };
struct __align__(16) double2 { double x, y; };
struct float2 { float x, y; };
__device__ float4 make_float4(float, float, float, float);
__device__ double2 make_double2(double, double);
template <class T> __device__ T __ldg(const T*);
__device__ float __shfl_up_sync(unsigned, float, int); __device__ double __shfl_up_sync(unsigned, double, int);
__device__ float __shfl_down_sync(unsigned, float, int); __device__ double __shfl_down_sync(unsigned, double, int);
__device__ float __shfl_sync(unsigned, float, int); __device__ double __shfl_sync(unsigned, double, int);
__device__ float __shfl_xor_sync(unsigned, float, int); __device__ double __shfl_xor_sync(unsigned, double, int);
__device__ int __shfl_sync(unsigned, int, int);
__device__ void __syncthreads(); __device__ void __syncwarp(unsigned = 0xffffffffu);
__device__ float atomicAdd(float*, float); __device__ double atomicAdd(double*, double);
__device__ float exp2f(float); __device__ float expf(float); __device__ float log1pf(float); __device__ float fmaf(float, float, float);
__device__ double exp(double); __device__ double log1p(double); __device__ double fma(double, double, double);
__device__ int min(int, int); __device__ int max(int, int); __device__ long long min(long long, long long);
__device__ size_t __cvta_generic_to_shared(const void*);
__device__ float __expf(float); __device__ float __fdividef(float, float);
__device__ float rsqrtf(float);
