// Elementwise kernels, compiled once per x86-64 ISA level (kernels_{sse2,avx2,avx512}.cc) and chosen at
// run time by elementwise.cc. The op lists fix the opcodes: an op's index is its code in JS.
#pragma once

#include <cstddef>

namespace gradd {

#define GRADD_UNARY_OPS(X)                                                                                \
  X(exp) X(log) X(sin) X(cos) X(tan) X(tanh) X(sinh) X(cosh) X(arcsin) X(arccos) X(arctan) X(sqrt) X(expm1) \
  X(log1p) X(negative) X(abs) X(square) X(reciprocal) X(sigmoid) X(sign) X(floor) X(ceil) X(trunc) X(log2) X(log10)   \
  X(exp2)
#define GRADD_BINARY_OPS(X) \
  X(add) X(subtract) X(multiply) X(divide) X(power) X(maximum) X(minimum) X(logaddexp) X(logaddexp2)
// Unary ops with a fused VJP kernel: out = g * f'(x), f' from x and y = f(x) by the formula the rule in
// core/ops/unary.ts uses (FMA may round a step of it more tightly).
#define GRADD_VJP_OPS(X)                                                                                  \
  X(exp) X(expm1) X(log) X(log1p) X(sin) X(cos) X(tan) X(arcsin) X(arccos) X(arctan) X(sinh) X(cosh) X(tanh) \
  X(sqrt) X(square) X(reciprocal) X(abs)

#define GRADD_ENUM(name) name,
#define GRADD_NAME(name) #name,
enum class Unary { GRADD_UNARY_OPS(GRADD_ENUM) count };
enum class Binary { GRADD_BINARY_OPS(GRADD_ENUM) count };
enum class Vjp { GRADD_VJP_OPS(GRADD_ENUM) count };
constexpr const char* kUnaryNames[] = {GRADD_UNARY_OPS(GRADD_NAME)};
constexpr const char* kBinaryNames[] = {GRADD_BINARY_OPS(GRADD_NAME)};
constexpr const char* kVjpNames[] = {GRADD_VJP_OPS(GRADD_NAME)};
#undef GRADD_ENUM
#undef GRADD_NAME
constexpr size_t kUnaryCount = size_t(Unary::count);
constexpr size_t kBinaryCount = size_t(Binary::count);
constexpr size_t kVjpCount = size_t(Vjp::count);

// `stream`: the result goes straight to memory (non-temporal stores), for results larger than the caches: a
// store that misses the cache would first read the line it overwrites.
// y[i] = f(x[i]); y may be x.
template <class T>
using UnaryFn = void (*)(const T* x, T* y, size_t n, bool stream);
// y[i] = f(a[i], b[i]), where a scalar operand (aScalar/bScalar) stands for a[0] (b[0]) at every i.
template <class T>
using BinaryFn = void (*)(const T* a, bool aScalar, const T* b, bool bScalar, T* y, size_t n, bool stream);

// out[i] = g[i] * f'(x[i]) with y = f(x); a scalar g (gScalar) stands for g[0] at every i. out may be g.
template <class T>
using VjpFn = void (*)(const T* g, bool gScalar, const T* x, const T* y, T* out, size_t n, bool stream);
// The sum of x[0..n), accumulated in T lanes (pairwise-like, as NumPy's float32 sums) and returned widened.
template <class T>
using SumFn = double (*)(const T* x, size_t n);

struct Kernels {
  const char* isa;
  UnaryFn<double> unaryF64[kUnaryCount];
  UnaryFn<float> unaryF32[kUnaryCount];
  BinaryFn<double> binaryF64[kBinaryCount];
  BinaryFn<float> binaryF32[kBinaryCount];
  VjpFn<double> vjpF64[kVjpCount];
  VjpFn<float> vjpF32[kVjpCount];
  SumFn<double> sumF64;
  SumFn<float> sumF32;
};

// Only call a table's functions on a CPU that has its ISA (elementwise.cc checks).
// The table in use (the best this CPU runs, or the one setIsa chose).
const Kernels& activeKernels();
const Kernels& kernelsSse2();
const Kernels& kernelsAvx2();    // AVX2 + FMA
const Kernels& kernelsAvx512();  // AVX-512F

}  // namespace gradd
