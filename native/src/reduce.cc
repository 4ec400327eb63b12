// sum, extreme and cumsum: the sum, maximum, minimum or running sum of a contiguous array over one run of axes, x
// viewed as [outer, mid, inner] and reduced (or accumulated) over mid. Every total is a sum of fixed 4096-element blocks added in order, so the
// result does not depend on the thread count; so is every extremum (the first one, which tells 0 from -0).
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "exports.h"
#include "kernels.h"
#include "parallel.h"
#include "validate.h"

namespace gradd {
namespace {

constexpr size_t kBlock = 4096;

template <class T>
SumFn<T> sumFn(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.sumF64;
  else return k.sumF32;
}

template <class T>
BinaryFn<T> addFn(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.binaryF64[size_t(Binary::add)];
  else return k.binaryF32[size_t(Binary::add)];
}

// body(acc, src, w) for each tile of at most kBlock columns of x viewed as [outer, mid, inner], in parallel: acc the
// tile's w results in out, src its first row in x.
template <class T, class Body>
void columnTiles(const Span<T>& x, const Span<T>& out, size_t outer, size_t mid, size_t inner, const Body& body) {
  const size_t tiles = (inner + kBlock - 1) / kBlock;
  parallelFor(outer * tiles, x.size, 1, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      const size_t o = t / tiles, c = t % tiles * kBlock;
      body(out.data + o * inner + c, x.data + o * mid * inner + c, std::min(kBlock, inner - c));
    }
  });
}

template <class T>
double blockedSum(SumFn<T> f, const T* x, size_t n) {
  double total = 0;
  for (size_t i = 0; i < n; i += kBlock) total += f(x + i, std::min(kBlock, n - i));
  return total;
}

// x's length must be outer*mid*inner (the product in 128 bits: each factor is below 2^31).
void checkLayout(const Args& args, size_t size, uint64_t outer, uint64_t mid, uint64_t inner) {
  if ((unsigned __int128)(outer) * mid * inner != size)
    args.rangeError("x must have length outer*mid*inner = " + std::to_string(outer) + "*" + std::to_string(mid) +
                    "*" + std::to_string(inner) + ", got " + std::to_string(size));
}

template <class T>
void sum(const Args& args) {
  const Span<T> x = args.array<T>(0, "x"), out = args.array<T>(4, "out");
  const uint64_t outer = args.dim(1, "outer"), mid = args.dim(2, "mid"), inner = args.dim(3, "inner");
  checkLayout(args, x.size, outer, mid, inner);
  args.exactLength("out", out.size, outer * inner, 1, "outer*inner");
  const Kernels& k = activeKernels();
  const SumFn<T> f = sumFn<T>(k);
  const size_t work = x.size;
  if (inner == 1 && outer == 1) {  // one total: blocks in parallel, partial sums added in order
    std::vector<double> partial((mid + kBlock - 1) / kBlock);
    parallelFor(partial.size(), work, 1, [&](size_t b0, size_t b1) {
      for (size_t b = b0; b < b1; ++b) partial[b] = f(x.data + b * kBlock, std::min(kBlock, mid - b * kBlock));
    });
    double total = 0;
    for (double p : partial) total += p;
    out.data[0] = T(total);
  } else if (inner == 1) {  // row sums
    parallelFor(outer, work, 1, [&](size_t o0, size_t o1) {
      for (size_t o = o0; o < o1; ++o) out.data[o] = T(blockedSum(f, x.data + o * mid, mid));
    });
  } else {  // column sums, in tiles of kBlock columns: each tile adds up its mid rows
    const BinaryFn<T> add = addFn<T>(k);
    columnTiles(x, out, outer, mid, inner, [&](T* acc, const T* src, size_t w) {
      if (mid == 0) std::fill(acc, acc + w, T(0));
      else std::copy(src, src + w, acc);
      for (size_t m = 1; m < mid; ++m) add(acc, false, src + m * inner, false, acc, w, false);
    });
  }
}

// sum(x, outer, mid, inner, out): out[o*inner + i] = sum over m < mid of x[(o*mid + m)*inner + i].
void Sum(const Napi::CallbackInfo& info) {
  Args args(info, "sum", 5, 5);
  if (args.kind(0, "x") == Kind::F64) sum<double>(args);
  else sum<float>(args);
}

// best after seeing v: v if it is further out (MAX: greater) or NaN, which then stays; on a tie the earlier value.
template <class T, bool MAX>
inline T further(T best, T v) { return (MAX ? v > best : v < best) || v != v ? v : best; }

template <class T, bool MAX>
void extremeOf(const Span<T>& x, size_t outer, size_t mid, size_t inner, const Span<T>& out) {
  const size_t work = x.size;
  if (inner == 1 && outer == 1) {  // one extremum: blocks in parallel, their extrema combined in order
    std::vector<T> partial((mid + kBlock - 1) / kBlock);
    parallelFor(partial.size(), work, 1, [&](size_t b0, size_t b1) {
      for (size_t b = b0; b < b1; ++b) {
        const T* p = x.data + b * kBlock;
        T best = p[0];
        for (size_t m = 1, e = std::min(kBlock, mid - b * kBlock); m < e; ++m) best = further<T, MAX>(best, p[m]);
        partial[b] = best;
      }
    });
    T best = partial[0];
    for (size_t b = 1; b < partial.size(); ++b) best = further<T, MAX>(best, partial[b]);
    out.data[0] = best;
  } else if (inner == 1) {  // row extrema
    parallelFor(outer, work, 1, [&](size_t o0, size_t o1) {
      for (size_t o = o0; o < o1; ++o) {
        const T* p = x.data + o * mid;
        T best = p[0];
        for (size_t m = 1; m < mid; ++m) best = further<T, MAX>(best, p[m]);
        out.data[o] = best;
      }
    });
  } else {  // column extrema, in tiles of kBlock columns
    columnTiles(x, out, outer, mid, inner, [&](T* acc, const T* src, size_t w) {
      std::copy(src, src + w, acc);
      for (size_t m = 1; m < mid; ++m)
        for (size_t i = 0; i < w; ++i) acc[i] = further<T, MAX>(acc[i], src[m * inner + i]);
    });
  }
}

template <class T>
void extreme(const Args& args) {
  const Span<T> x = args.array<T>(0, "x"), out = args.array<T>(4, "out");
  const uint64_t outer = args.dim(1, "outer"), mid = args.integer(2, "mid", 1, kMaxDim), inner = args.dim(3, "inner");
  const bool max = args.boolean(5, "max");
  checkLayout(args, x.size, outer, mid, inner);
  args.exactLength("out", out.size, outer * inner, 1, "outer*inner");
  if (max) extremeOf<T, true>(x, outer, mid, inner, out);
  else extremeOf<T, false>(x, outer, mid, inner, out);
}

// extreme(x, outer, mid, inner, out, max): out[o*inner + i] = the maximum (max) or minimum over m < mid of
// x[(o*mid + m)*inner + i]: NaN if the lane has one, else its first extremum (so -0 or 0 as it comes first).
void Extreme(const Napi::CallbackInfo& info) {
  Args args(info, "extreme", 6, 6);
  if (args.kind(0, "x") == Kind::F64) extreme<double>(args);
  else extreme<float>(args);
}

// Running sums in double whatever T (as the JS loop adds a float32 array's values in a JS number), stored as T.
template <class T>
void cumsum(const Args& args) {
  const Span<T> x = args.array<T>(0, "x"), out = args.array<T>(4, "out");
  const uint64_t outer = args.dim(1, "outer"), mid = args.dim(2, "mid"), inner = args.dim(3, "inner");
  checkLayout(args, x.size, outer, mid, inner);
  args.exactLength("out", out.size, x.size, 1, "x.length");
  if (inner == 1) {
    parallelFor(outer, x.size, 1, [&](size_t o0, size_t o1) {
      for (size_t o = o0; o < o1; ++o) {
        double s = 0;
        for (size_t m = 0, k = o * mid; m < mid; ++m, ++k) out.data[k] = T(s += x.data[k]);
      }
    });
    return;
  }
  const size_t tiles = (inner + kBlock - 1) / kBlock;
  parallelFor(outer * tiles, x.size, 1, [&](size_t t0, size_t t1) {
    std::vector<double> acc(kBlock);
    for (size_t t = t0; t < t1; ++t) {
      const size_t o = t / tiles, c = t % tiles * kBlock, w = std::min(kBlock, inner - c);
      std::fill(acc.begin(), acc.begin() + w, 0.0);
      for (size_t m = 0; m < mid; ++m) {
        const size_t k = (o * mid + m) * inner + c;
        for (size_t i = 0; i < w; ++i) out.data[k + i] = T(acc[i] += x.data[k + i]);
      }
    }
  });
}

// cumsum(x, outer, mid, inner, out): out[(o*mid + m)*inner + i] = the sum over m' <= m of x[(o*mid + m')*inner + i],
// accumulated in double.
void Cumsum(const Napi::CallbackInfo& info) {
  Args args(info, "cumsum", 5, 5);
  if (args.kind(0, "x") == Kind::F64) cumsum<double>(args);
  else cumsum<float>(args);
}

}  // namespace

void registerReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("sum", Napi::Function::New(env, Sum, "sum"));
  exports.Set("extreme", Napi::Function::New(env, Extreme, "extreme"));
  exports.Set("cumsum", Napi::Function::New(env, Cumsum, "cumsum"));
}

}  // namespace gradd
