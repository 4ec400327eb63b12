// unary / binary / binaryBroadcast / unaryVjp: elementwise kernels on contiguous Float64Array /
// Float32Array, dispatched at run time to the best ISA level the CPU has (setIsa can pick a lower one, e.g. to
// test it), and split across OpenBLAS's threads when large (parallel.h).
#include <algorithm>
#include <atomic>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "exports.h"
#include "kernels.h"
#include "parallel.h"
#include "validate.h"

namespace gradd {
namespace {

// Kernel tables this CPU can run, best first. __builtin_cpu_supports also checks the OS saves the
// AVX / AVX-512 registers.
std::vector<const Kernels*> detect() {
  __builtin_cpu_init();
  std::vector<const Kernels*> tables;
  if (__builtin_cpu_supports("avx512f")) tables.push_back(&kernelsAvx512());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) tables.push_back(&kernelsAvx2());
  tables.push_back(&kernelsSse2());
  return tables;
}

const std::vector<const Kernels*>& supported() {
  static const std::vector<const Kernels*> tables = detect();
  return tables;
}

std::atomic<const Kernels*> active{supported().front()};

// Ranges handed to threads start at multiples of 64 elements (whole vectors and cache lines).
constexpr size_t kAlign = 64;

// Results of memory-bound ops (cost 1) from 4 MB, the L2 of both cores, go straight to memory: a store that misses
// the cache would first read its line in, a third more traffic. A transcendental op's stores overlap its arithmetic,
// so there the cached result (read again by the next op) is worth more; so it measured on W5.
template <class T>
bool streamed(size_t n, size_t cost) { return cost == 1 && n * sizeof(T) >= (size_t(4) << 20); }

// Work per element for parallelFor: 1 for arithmetic, kTranscendental for SLEEF's functions.
size_t unaryCost(size_t code) {
  switch (Unary(code)) {
    case Unary::negative: case Unary::abs: case Unary::square: case Unary::reciprocal: case Unary::sqrt:
    case Unary::sign: case Unary::floor: case Unary::ceil: case Unary::trunc: return 1;
    default: return kTranscendental;
  }
}
size_t vjpCost(size_t code) {
  switch (Vjp(code)) {
    case Vjp::sin: case Vjp::cos: case Vjp::tan: case Vjp::sinh: case Vjp::cosh: return kTranscendental;
    default: return 1;
  }
}
size_t binaryCost(size_t code) {
  const Binary op = Binary(code);
  return op == Binary::power || op == Binary::logaddexp || op == Binary::logaddexp2 ? kTranscendental : 1;
}

template <class T>
const UnaryFn<T>* unaryTable(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.unaryF64;
  else return k.unaryF32;
}

template <class T>
const BinaryFn<T>* binaryTable(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.binaryF64;
  else return k.binaryF32;
}

template <class T>
const VjpFn<T>* vjpTable(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.vjpF64;
  else return k.vjpF32;
}

Napi::Array strings(Napi::Env env, const std::vector<const char*>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(uint32_t(i), items[i]);
  return array;
}

template <class T>
void unary(const Args& args, size_t code) {
  const Span<T> x = args.array<T>(1, "x"), out = args.array<T>(2, "out");
  args.exactLength("out", out.size, x.size, 1, "x.length");
  const UnaryFn<T> f = unaryTable<T>(*active)[code];
  const bool stream = streamed<T>(x.size, unaryCost(code));
  parallelFor(x.size, x.size * unaryCost(code), kAlign, [&](size_t b, size_t e) {
    f(x.data + b, out.data + b, e - b, stream);
  });
}

// unary(code, x, out): out[i] = op(x[i]); x and out are the same type and length (out may be x).
void CallUnary(const Napi::CallbackInfo& info) {
  Args args(info, "unary", 3, 3);
  const size_t code = args.integer(0, "code", 0, kUnaryCount - 1);
  if (args.kind(1, "x") == Kind::F64) unary<double>(args, code);
  else unary<float>(args, code);
}

template <class T>
void binary(const Args& args, size_t code) {
  const Span<T> a = args.array<T>(1, "a"), b = args.array<T>(2, "b"), out = args.array<T>(3, "out");
  const size_t n = out.size;
  for (const auto& [name, size] : {std::pair{"a", a.size}, std::pair{"b", b.size}})
    if (size != n && size != 1)
      args.rangeError(std::string(name) + " must have length 1 (a scalar) or out.length = " + std::to_string(n) +
                      ", got " + std::to_string(size));
  const BinaryFn<T> f = binaryTable<T>(*active)[code];
  const bool as = a.size == 1, bs = b.size == 1, stream = streamed<T>(n, binaryCost(code));
  parallelFor(n, n * binaryCost(code), kAlign, [&](size_t i, size_t e) {
    f(a.data + (as ? 0 : i), as, b.data + (bs ? 0 : i), bs, out.data + i, e - i, stream);
  });
}

// binary(code, a, b, out): out[i] = op(a[i], b[i]); a length-1 operand broadcasts as a scalar.
void CallBinary(const Napi::CallbackInfo& info) {
  Args args(info, "binary", 4, 4);
  const size_t code = args.integer(0, "code", 0, kBinaryCount - 1);
  if (args.kind(1, "a") == Kind::F64) binary<double>(args, code);
  else binary<float>(args, code);
}

// Tiles for operands read with a column stride other than 0 or 1 (a transposed view): staged into a
// contiguous tile column by column, so a transposed operand is read along its rows.
constexpr size_t kTileRows = 16, kTileCols = 256;

template <class T>
void binaryBroadcast(const Args& args, size_t code) {
  const Span<T> a = args.array<T>(1, "a"), b = args.array<T>(2, "b"), out = args.array<T>(3, "out");
  const uint64_t rows = args.dim(4, "rows"), cols = args.dim(5, "cols");
  const uint64_t ar = args.dim(6, "aRowStride"), ac = args.dim(7, "aColStride");
  const uint64_t br = args.dim(8, "bRowStride"), bc = args.dim(9, "bColStride");
  args.exactLength("out", out.size, rows * cols, 1, "rows*cols");
  if (rows && cols) {
    for (const auto& [name, size, rs, cs] : {std::tuple{"a", a.size, ar, ac}, std::tuple{"b", b.size, br, bc}})
      if ((rows - 1) * rs + (cols - 1) * cs >= size)
        args.rangeError(std::string(name) + " is too short: element (rows-1, cols-1) is at " +
                        std::to_string((rows - 1) * rs + (cols - 1) * cs) + ", length " + std::to_string(size));
  }
  const BinaryFn<T> f = binaryTable<T>(*active)[code];
  const bool stream = streamed<T>(out.size, binaryCost(code));
  if (ac <= 1 && bc <= 1) {
    parallelFor(rows, rows * cols * binaryCost(code), 1, [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r)
        f(a.data + r * ar, ac == 0, b.data + r * br, bc == 0, out.data + r * cols, cols, stream);
    });
    return;
  }
  const bool stageA = ac > 1, stageB = bc > 1;
  const size_t blocks = (rows + kTileRows - 1) / kTileRows;
  parallelFor(blocks, rows * cols * binaryCost(code), 1, [&](size_t k0, size_t k1) {
    std::vector<T> tile((stageA + stageB) * kTileRows * kTileCols);
    T* ta = tile.data();
    T* tb = tile.data() + (stageA ? kTileRows * kTileCols : 0);
    const auto stage = [](T* t, const T* src, size_t r0, size_t nr, size_t c0, size_t nc, size_t rs, size_t cs) {
      for (size_t c = 0; c < nc; ++c)
        for (size_t r = 0; r < nr; ++r) t[r * kTileCols + c] = src[(r0 + r) * rs + (c0 + c) * cs];
    };
    for (size_t k = k0; k < k1; ++k) {
      const size_t r0 = k * kTileRows, nr = std::min<size_t>(kTileRows, rows - r0);
      for (size_t c0 = 0; c0 < cols; c0 += kTileCols) {
        const size_t nc = std::min<size_t>(kTileCols, cols - c0);
        if (stageA) stage(ta, a.data, r0, nr, c0, nc, ar, ac);
        if (stageB) stage(tb, b.data, r0, nr, c0, nc, br, bc);
        for (size_t r = 0; r < nr; ++r)
          f(stageA ? ta + r * kTileCols : a.data + (r0 + r) * ar + c0 * ac, ac == 0,
            stageB ? tb + r * kTileCols : b.data + (r0 + r) * br + c0 * bc, bc == 0, out.data + (r0 + r) * cols + c0, nc,
            stream);
      }
    }
  });
}

// binaryBroadcast(code, a, b, out, rows, cols, aRowStride, aColStride, bRowStride, bColStride):
// out[r*cols + c] = op(a[r*aRowStride + c*aColStride], b[r*bRowStride + c*bColStride]): [m, n] op [n]
// (bRowStride 0), [m, n] op [m, 1] (bColStride 0), outer products, transposed operands (any strides).
// out must not overlap a or b unless it is that operand with the same layout.
void CallBinaryBroadcast(const Napi::CallbackInfo& info) {
  Args args(info, "binaryBroadcast", 10, 10);
  const size_t code = args.integer(0, "code", 0, kBinaryCount - 1);
  if (args.kind(1, "a") == Kind::F64) binaryBroadcast<double>(args, code);
  else binaryBroadcast<float>(args, code);
}

template <class T>
void unaryVjp(const Args& args, size_t code) {
  const Span<T> g = args.array<T>(1, "g"), x = args.array<T>(2, "x"), y = args.array<T>(3, "ans"),
                out = args.array<T>(4, "out");
  const size_t n = out.size;
  args.exactLength("x", x.size, n, 1, "out.length");
  args.exactLength("ans", y.size, n, 1, "out.length");
  if (g.size != n && g.size != 1)
    args.rangeError("g must have length 1 (a scalar) or out.length = " + std::to_string(n) + ", got " +
                    std::to_string(g.size));
  const VjpFn<T> f = vjpTable<T>(*active)[code];
  const bool gs = g.size == 1, stream = streamed<T>(n, vjpCost(code));
  parallelFor(n, n * vjpCost(code), kAlign, [&](size_t i, size_t e) {
    f(g.data + (gs ? 0 : i), gs, x.data + i, y.data + i, out.data + i, e - i, stream);
  });
}

// unaryVjp(code, g, x, ans, out): out[i] = g[i] * f'(x[i]) for the op vjpOps[code], ans = f(x); a length-1 g
// broadcasts as a scalar. out may be g.
void CallUnaryVjp(const Napi::CallbackInfo& info) {
  Args args(info, "unaryVjp", 5, 5);
  const size_t code = args.integer(0, "code", 0, kVjpCount - 1);
  if (args.kind(1, "g") == Kind::F64) unaryVjp<double>(args, code);
  else unaryVjp<float>(args, code);
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  Args(info, "getIsa", 0, 0);
  return Napi::String::New(info.Env(), active.load()->isa);
}

void SetIsa(const Napi::CallbackInfo& info) {
  Args args(info, "setIsa", 1, 1);
  const std::string name = args.string(0, "isa");
  for (const Kernels* k : supported())
    if (name == k->isa) return active.store(k);
  std::string names;
  for (const Kernels* k : supported()) names += std::string(names.empty() ? "" : ", ") + k->isa;
  args.rangeError("isa must be one this CPU supports (" + names + "), got '" + name + "'");
}

}  // namespace

const Kernels& activeKernels() { return *active; }

void registerElementwise(Napi::Env env, Napi::Object exports) {
  std::vector<const char*> isas;
  for (const Kernels* k : supported()) isas.push_back(k->isa);
  exports.Set("unaryOps", strings(env, {std::begin(kUnaryNames), std::end(kUnaryNames)}));
  exports.Set("binaryOps", strings(env, {std::begin(kBinaryNames), std::end(kBinaryNames)}));
  exports.Set("vjpOps", strings(env, {std::begin(kVjpNames), std::end(kVjpNames)}));
  exports.Set("parallelMin", Napi::Number::New(env, double(kParallelMin)));
  exports.Set("transcendentalCost", Napi::Number::New(env, double(kTranscendental)));
  exports.Set("supportedIsas", strings(env, isas));
  exports.Set("unary", Napi::Function::New(env, CallUnary, "unary"));
  exports.Set("binary", Napi::Function::New(env, CallBinary, "binary"));
  exports.Set("binaryBroadcast", Napi::Function::New(env, CallBinaryBroadcast, "binaryBroadcast"));
  exports.Set("unaryVjp", Napi::Function::New(env, CallUnaryVjp, "unaryVjp"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
}

}  // namespace gradd
