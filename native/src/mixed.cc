// Elementwise work across types, which the float kernels (elementwise.cc) do not take: conversion to float,
// comparisons and tests (Uint8Array results, NumPy's bool), selection by a mask (where) or by bounds (clip), copies of
// views with negative strides, and the fused VJP of maximum and minimum, built on comparisons. Plain loops, vectorised by the compiler at the baseline ISA: they are bound by
// memory, not arithmetic.
#include <cstdint>
#include <string>
#include <utility>

#include "exports.h"
#include "parallel.h"
#include "validate.h"

namespace gradd {
namespace {

#define GRADD_COMPARE_OPS(X) \
  X(equal) X(not_equal) X(less) X(less_equal) X(greater) X(greater_equal) X(logical_and) X(logical_or) X(logical_xor)
#define GRADD_NAME(name) #name,
constexpr const char* kCompareNames[] = {GRADD_COMPARE_OPS(GRADD_NAME)};
#undef GRADD_NAME
constexpr size_t kCompareCount = sizeof(kCompareNames) / sizeof(kCompareNames[0]);
constexpr const char* kTestNames[] = {"isnan", "isinf", "isfinite"};
constexpr size_t kTestCount = sizeof(kTestNames) / sizeof(kTestNames[0]);

constexpr size_t kAlign = 64;

// body(r, c0, c1) over an out of rows x cols, split across threads by rows, or by columns when there is one row.
template <class Body>
void overRows(size_t rows, size_t cols, const Body& body) {
  if (rows == 1) parallelFor(cols, cols, kAlign, [&](size_t c0, size_t c1) { body(0, c0, c1); });
  else parallelFor(rows, rows * cols, 1, [&](size_t r0, size_t r1) { for (size_t r = r0; r < r1; ++r) body(r, 0, cols); });
}

// An operand of a rows x cols result read at r*rowStride + c*colStride, colStride 0 (broadcast) or 1.
template <class T>
struct Operand {
  Span<T> span;
  uint64_t rs, cs;
};

template <class T>
Operand<T> operand(const Args& args, size_t i, const char* name, uint64_t rows, uint64_t cols) {
  const Span<T> span = args.array<T>(i, name);
  const uint64_t rs = args.dim(i + 1, (std::string(name) + "RowStride").c_str());
  const uint64_t cs = args.integer(i + 2, (std::string(name) + "ColStride").c_str(), 0, 1);
  if (rows && cols && (rows - 1) * rs + (cols - 1) * cs >= span.size)
    args.rangeError(std::string(name) + " is too short: element (rows-1, cols-1) is at " +
                    std::to_string((rows - 1) * rs + (cols - 1) * cs) + ", length " + std::to_string(span.size));
  return {span, rs, cs};
}

// ---- convert ----

template <class From, class To>
void convertSpan(const Span<From>& x, const Span<To>& out) {
  parallelFor(x.size, x.size, kAlign, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) out.data[i] = To(x.data[i]);
  });
}

template <class To>
void convertTo(const Args& args, const Span<To>& out) {
  const auto run = [&](auto x) {
    args.exactLength("out", out.size, x.size, 1, "x.length");
    convertSpan(x, out);
  };
  switch (args.typedArrayType(0, "x")) {
    case napi_float64_array: return run(args.array<double>(0, "x"));
    case napi_float32_array: return run(args.array<float>(0, "x"));
    case napi_int32_array: return run(args.array<int32_t>(0, "x"));
    case napi_uint8_array: return run(args.array<uint8_t>(0, "x"));
    default: args.typeError("convert: argument 1 (x) must be a Float64Array, Float32Array, Int32Array or Uint8Array");
  }
}

// convert(x, out): out[i] = x[i] as out's type (float64 to float32 rounds to nearest even); x: Float64Array,
// Float32Array, Int32Array or Uint8Array; out: Float64Array or Float32Array of x's length.
void CallConvert(const Napi::CallbackInfo& info) {
  Args args(info, "convert", 2, 2);
  if (args.kind(1, "out") == Kind::F64) convertTo(args, args.array<double>(1, "out"));
  else convertTo(args, args.array<float>(1, "out"));
}

// ---- compare ----

template <class T, class Op, bool AS, bool BS>
void compareRow(const T* a, const T* b, uint8_t* y, size_t n) {
  const Op op;
  if (n == 0) return;
  const T sa = a[0], sb = b[0];
  for (size_t i = 0; i < n; ++i) y[i] = op(AS ? sa : a[i], BS ? sb : b[i]);
}

template <class T, class Op>
void compareAll(const Operand<T>& a, const Operand<T>& b, const Span<uint8_t>& out, size_t rows, size_t cols) {
  using Row = void (*)(const T*, const T*, uint8_t*, size_t);
  const Row row = a.cs ? (b.cs ? compareRow<T, Op, false, false> : compareRow<T, Op, false, true>)
                       : (b.cs ? compareRow<T, Op, true, false> : compareRow<T, Op, true, true>);
  overRows(rows, cols, [&](size_t r, size_t c0, size_t c1) {
    row(a.span.data + r * a.rs + c0 * a.cs, b.span.data + r * b.rs + c0 * b.cs, out.data + r * cols + c0, c1 - c0);
  });
}

struct Equal { template <class T> bool operator()(T x, T y) const { return x == y; } };
struct NotEqual { template <class T> bool operator()(T x, T y) const { return x != y; } };
struct Less { template <class T> bool operator()(T x, T y) const { return x < y; } };
struct LessEqual { template <class T> bool operator()(T x, T y) const { return x <= y; } };
struct Greater { template <class T> bool operator()(T x, T y) const { return x > y; } };
struct GreaterEqual { template <class T> bool operator()(T x, T y) const { return x >= y; } };
struct LogicalAnd { template <class T> bool operator()(T x, T y) const { return (x != 0) & (y != 0); } };
struct LogicalOr { template <class T> bool operator()(T x, T y) const { return (x != 0) | (y != 0); } };
struct LogicalXor { template <class T> bool operator()(T x, T y) const { return (x != 0) != (y != 0); } };

template <class T>
void compare(const Args& args, size_t code) {
  const Span<uint8_t> out = args.array<uint8_t>(1, "out");
  const uint64_t rows = args.dim(2, "rows"), cols = args.dim(3, "cols");
  args.exactLength("out", out.size, rows * cols, 1, "rows*cols");
  const Operand<T> a = operand<T>(args, 4, "a", rows, cols), b = operand<T>(args, 7, "b", rows, cols);
  switch (code) {
    case 0: return compareAll<T, Equal>(a, b, out, rows, cols);
    case 1: return compareAll<T, NotEqual>(a, b, out, rows, cols);
    case 2: return compareAll<T, Less>(a, b, out, rows, cols);
    case 3: return compareAll<T, LessEqual>(a, b, out, rows, cols);
    case 4: return compareAll<T, Greater>(a, b, out, rows, cols);
    case 5: return compareAll<T, GreaterEqual>(a, b, out, rows, cols);
    case 6: return compareAll<T, LogicalAnd>(a, b, out, rows, cols);
    case 7: return compareAll<T, LogicalOr>(a, b, out, rows, cols);
    default: return compareAll<T, LogicalXor>(a, b, out, rows, cols);
  }
}

// compare(code, out, rows, cols, a, aRowStride, aColStride, b, bRowStride, bColStride): out[r*cols + c] =
// op(a[r*aRowStride + c*aColStride], b[r*bRowStride + c*bColStride]) as 0 or 1, IEEE's comparisons (NaN is
// unordered and unequal to everything; the logical ops test for nonzero, so NaN is true); a, b: both Float64Array,
// Float32Array or Uint8Array (bool), column strides 0 or 1 (0: a row broadcast); out: a Uint8Array of rows*cols.
void CallCompare(const Napi::CallbackInfo& info) {
  Args args(info, "compare", 10, 10);
  const size_t code = args.integer(0, "code", 0, kCompareCount - 1);
  if (args.typedArrayType(4, "a") == napi_uint8_array) compare<uint8_t>(args, code);
  else if (args.kind(4, "a") == Kind::F64) compare<double>(args, code);
  else compare<float>(args, code);
}

// ---- test ----

template <class T>
void test(const Args& args, size_t code) {
  const Span<T> x = args.array<T>(1, "x");
  const Span<uint8_t> out = args.array<uint8_t>(2, "out");
  args.exactLength("out", out.size, x.size, 1, "x.length");
  const T inf = T(__builtin_inf());
  parallelFor(x.size, x.size, kAlign, [&](size_t b, size_t e) {
    const T* v = x.data;
    uint8_t* o = out.data;
    if (code == 0) for (size_t i = b; i < e; ++i) o[i] = v[i] != v[i];
    else if (code == 1) for (size_t i = b; i < e; ++i) o[i] = (v[i] == inf) | (v[i] == -inf);
    else for (size_t i = b; i < e; ++i) o[i] = (v[i] - v[i]) == 0;  // NaN for NaN and ±inf
  });
}

// test(code, x, out): out[i] = 1 where x[i] is NaN (isnan), ±Infinity (isinf) or neither (isfinite), else 0; x: a
// Float64Array or Float32Array, out: a Uint8Array of its length.
void CallTest(const Napi::CallbackInfo& info) {
  Args args(info, "test", 3, 3);
  const size_t code = args.integer(0, "code", 0, kTestCount - 1);
  if (args.kind(1, "x") == Kind::F64) test<double>(args, code);
  else test<float>(args, code);
}

// ---- select ----

template <class T, bool CS, bool XS, bool YS>
void selectRow(const uint8_t* c, const T* x, const T* y, T* out, size_t n) {
  if (n == 0) return;
  const bool sc = c[0];
  const T sx = x[0], sy = y[0];
  // Both values read before the choice, so that it compiles to a blend rather than a branch on random data.
  for (size_t i = 0; i < n; ++i) {
    const T xv = XS ? sx : x[i], yv = YS ? sy : y[i];
    out[i] = (CS ? sc : c[i]) ? xv : yv;
  }
}

template <class T, bool CS, bool XS>
auto selectRowFor(bool ys) { return ys ? selectRow<T, CS, XS, true> : selectRow<T, CS, XS, false>; }

template <class T>
void select(const Args& args) {
  const Span<T> out = args.array<T>(0, "out");
  const uint64_t rows = args.dim(1, "rows"), cols = args.dim(2, "cols");
  args.exactLength("out", out.size, rows * cols, 1, "rows*cols");
  const Operand<uint8_t> c = operand<uint8_t>(args, 3, "c", rows, cols);
  const Operand<T> x = operand<T>(args, 6, "x", rows, cols), y = operand<T>(args, 9, "y", rows, cols);
  const bool ys = !y.cs;
  const auto row = !c.cs ? (!x.cs ? selectRowFor<T, true, true>(ys) : selectRowFor<T, true, false>(ys))
                         : (!x.cs ? selectRowFor<T, false, true>(ys) : selectRowFor<T, false, false>(ys));
  overRows(rows, cols, [&](size_t r, size_t c0, size_t c1) {
    row(c.span.data + r * c.rs + c0 * c.cs, x.span.data + r * x.rs + c0 * x.cs, y.span.data + r * y.rs + c0 * y.cs,
        out.data + r * cols + c0, c1 - c0);
  });
}

// select(out, rows, cols, c, cRowStride, cColStride, x, xRowStride, xColStride, y, yRowStride, yColStride):
// out[r*cols + k] = c[r*cRowStride + k*cColStride] ? x[…] : y[…], each operand read as compare's; c: a Uint8Array
// (any nonzero byte selects x); x, y, out: all Float64Array or all Float32Array.
void CallSelect(const Napi::CallbackInfo& info) {
  Args args(info, "select", 12, 12);
  if (args.kind(0, "out") == Kind::F64) select<double>(args);
  else select<float>(args);
}

// ---- copy ----

// A signed stride: an integer of at most 2^53 in magnitude.
int64_t stride(const Args& args, size_t i, const char* name) {
  const double v = args.number(i, name);
  if (!(v == double(int64_t(v)) && v >= -double(kMaxIndex) && v <= double(kMaxIndex)))
    args.rangeError(std::string(name) + " must be an integer of magnitude at most 2^53 - 1, got " + std::to_string(v));
  return int64_t(v);
}

template <class T>
void copyView(const Args& args) {
  const Span<T> x = args.array<T>(0, "x"), out = args.array<T>(6, "out");
  const uint64_t off = args.offset(1, "offset"), rows = args.dim(2, "rows"), cols = args.dim(3, "cols");
  const int64_t rs = stride(args, 4, "rowStride"), cs = stride(args, 5, "colStride");
  args.exactLength("out", out.size, rows * cols, 1, "rows*cols");
  if (!rows || !cols) return;
  using i128 = __int128;
  const i128 r = i128(rows - 1) * rs, c = i128(cols - 1) * cs;
  const i128 lo = i128(off) + (r < 0 ? r : 0) + (c < 0 ? c : 0), hi = i128(off) + (r > 0 ? r : 0) + (c > 0 ? c : 0);
  if (lo < 0 || hi >= i128(x.size))
    args.rangeError("the view reads x from " + std::to_string(int64_t(lo)) + " to " + std::to_string(int64_t(hi)) +
                    ", outside its length " + std::to_string(x.size));
  overRows(rows, cols, [&](size_t row, size_t c0, size_t c1) {
    const T* src = x.data + int64_t(off) + int64_t(row) * rs + int64_t(c0) * cs;
    T* dst = out.data + row * cols + c0;
    for (size_t k = 0; k < c1 - c0; ++k) dst[k] = src[int64_t(k) * cs];
  });
}

// copy(x, offset, rows, cols, rowStride, colStride, out): out[r*cols + c] = x[offset + r*rowStride + c*colStride],
// strides signed (a reversed view); every element read must lie in x. x and out of one type.
void CallCopy(const Napi::CallbackInfo& info) {
  Args args(info, "copy", 7, 7);
  if (args.kind(0, "x") == Kind::F64) copyView<double>(args);
  else copyView<float>(args);
}

// ---- clip ----

template <class T>
void clip(const Args& args) {
  const Span<T> x = args.array<T>(0, "x"), out = args.array<T>(3, "out");
  const T lo = T(args.number(1, "lo")), hi = T(args.number(2, "hi"));
  args.exactLength("out", out.size, x.size, 1, "x.length");
  parallelFor(x.size, x.size, kAlign, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      const T v = x.data[i], up = v < lo ? lo : v;
      out.data[i] = up > hi ? hi : up;
    }
  });
}

// clip(x, lo, hi, out): out[i] = min(max(x[i], lo), hi), each keeping its first operand on a tie (NumPy's clip: NaN
// stays, so does a -0 at a bound of 0; lo > hi gives hi); lo and hi are numbers (-Infinity / Infinity for none),
// rounded to x's type.
void CallClip(const Napi::CallbackInfo& info) {
  Args args(info, "clip", 4, 4);
  if (args.kind(0, "x") == Kind::F64) clip<double>(args);
  else clip<float>(args);
}

// ---- extremumVjp ----

template <class T, bool GS, bool YS>
void extremumRow(const T* g, const T* x, const T* y, const T* ans, T* out, size_t n) {
  if (n == 0) return;
  const T sg = g[0], sy = y[0];
  for (size_t i = 0; i < n; ++i) {
    const T xi = x[i], yi = YS ? sy : y[i];
    // Arithmetic on the comparisons rather than branches on them (random data mispredicts): 1, ½ at a tie, or 0.
    out[i] = (GS ? sg : g[i]) * (T(xi == ans[i]) * (T(1) - T(0.5) * T(xi == yi)));
  }
}

template <class T>
void extremumVjp(const Args& args) {
  const Span<T> g = args.array<T>(0, "g"), x = args.array<T>(1, "x"), y = args.array<T>(2, "y"), ans = args.array<T>(3, "ans"),
                out = args.array<T>(4, "out");
  const size_t n = out.size;
  args.exactLength("x", x.size, n, 1, "out.length");
  args.exactLength("ans", ans.size, n, 1, "out.length");
  for (const auto& [name, size] : {std::pair{"g", g.size}, std::pair{"y", y.size}})
    if (size != n && size != 1)
      args.rangeError(std::string(name) + " must have length 1 (a scalar) or out.length = " + std::to_string(n) +
                      ", got " + std::to_string(size));
  const bool gs = g.size == 1, ys = y.size == 1;
  const auto row = gs ? (ys ? extremumRow<T, true, true> : extremumRow<T, true, false>)
                      : (ys ? extremumRow<T, false, true> : extremumRow<T, false, false>);
  parallelFor(n, n, kAlign, [&](size_t b, size_t e) {
    row(g.data + (gs ? 0 : b), x.data + b, y.data + (ys ? 0 : b), ans.data + b, out.data + b, e - b);
  });
}

// extremumVjp(g, x, y, ans, out): out[i] = g[i] * (x[i] == ans[i] ? (x[i] == y[i] ? 0.5 : 1) : 0), the cotangent
// of x in ans = maximum(x, y) or minimum(x, y) (autograd's balanced_eq: ties share it); g and y of length 1 are
// scalars. All of one type (Float64Array or Float32Array); out may be g.
void CallExtremumVjp(const Napi::CallbackInfo& info) {
  Args args(info, "extremumVjp", 5, 5);
  if (args.kind(4, "out") == Kind::F64) extremumVjp<double>(args);
  else extremumVjp<float>(args);
}

}  // namespace

void registerMixed(Napi::Env env, Napi::Object exports) {
  const auto names = [&](const char* const* items, size_t n) {
    Napi::Array array = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; ++i) array.Set(uint32_t(i), items[i]);
    return array;
  };
  exports.Set("compareOps", names(kCompareNames, kCompareCount));
  exports.Set("testOps", names(kTestNames, kTestCount));
  exports.Set("test", Napi::Function::New(env, CallTest, "test"));
  exports.Set("convert", Napi::Function::New(env, CallConvert, "convert"));
  exports.Set("compare", Napi::Function::New(env, CallCompare, "compare"));
  exports.Set("select", Napi::Function::New(env, CallSelect, "select"));
  exports.Set("clip", Napi::Function::New(env, CallClip, "clip"));
  exports.Set("copy", Napi::Function::New(env, CallCopy, "copy"));
  exports.Set("extremumVjp", Napi::Function::New(env, CallExtremumVjp, "extremumVjp"));
}

}  // namespace gradd
