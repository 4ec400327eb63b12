// Kernel bodies for one ISA level. kernels_<isa>.cc includes this inside an anonymous namespace, after
// defining
//   VD, VF                      the ISA's double / float vectors (GCC vector types: + - * / < ?: work lane-wise)
//   SLEEF_D(fn, u), SLEEF_F(fn, u)  the SLEEF symbol of fn at accuracy u (u10: <= 1 ulp, u35: <= 3.5 ulp) for VD / VF
//                               on that ISA
//   STREAM_D, STREAM_F          the ISA's non-temporal store of a VD / VF to an aligned address
// so everything here has internal linkage and is compiled with that file's -m flags only. (Inline or
// template code shared between the files would be merged by the linker, and an AVX-512 copy could then
// run on an AVX2-only CPU.) No header is included here for the same reason.

template <class T, class V>
constexpr size_t lanes = sizeof(V) / sizeof(T);

template <class T, class V>
V load(const T* p, size_t n = lanes<T, V>) {
  V v{};
  __builtin_memcpy(&v, p, n * sizeof(T));
  return v;
}

template <class T, class V>
void store(T* p, V v, size_t n = lanes<T, V>) {
  __builtin_memcpy(p, &v, n * sizeof(T));
}

template <class T, class V>
V splat(T s) {
  V v{};
  for (size_t k = 0; k < lanes<T, V>; ++k) v[k] = s;
  return v;
}

void streamStore(double* p, VD v) { STREAM_D(p, v); }
void streamStore(float* p, VF v) { STREAM_F(p, v); }

// out[0..n) = f(i, r), the vector of lanes i..i+r (r <= W lanes: partial vectors are padded with zeros, harmless
// as FP exceptions are masked), in order, each computed before its store (so out may be an input). Streamed, the
// lanes before out's first vector boundary go first as one partial vector, then whole aligned vectors.
template <class T, class V, class F>
void each(T* out, size_t n, bool stream, F f) {
  constexpr size_t W = lanes<T, V>;
  size_t i = 0;
  if (stream) {
    i = (0 - reinterpret_cast<size_t>(out)) % sizeof(V) / sizeof(T);
    if (i > n) i = n;
    if (i) store<T, V>(out, f(0, i), i);
    for (; i + W <= n; i += W) streamStore(out + i, f(i, W));
    __builtin_ia32_sfence();
  } else {
    for (; i + W <= n; i += W) store<T, V>(out + i, f(i, W));
  }
  if (i < n) store<T, V>(out + i, f(i, n - i), n - i);
}

template <class T, class V, V (*F)(V)>
void vmap(const T* x, T* y, size_t n, bool stream) {
  each<T, V>(y, n, stream, [&](size_t i, size_t r) { return F(load<T, V>(x + i, r)); });
}

// Plain loop for ops the compiler vectorises itself (correctly rounded sqrt, abs, sign, rounding to integers).
template <class T, T (*f)(T)>
void smap(const T* x, T* y, size_t n, bool) {
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class T, class V, V (*F)(V, V)>
void bmap(const T* a, bool aScalar, const T* b, bool bScalar, T* y, size_t n, bool stream) {
  const V sa = aScalar ? splat<T, V>(*a) : V{}, sb = bScalar ? splat<T, V>(*b) : V{};
  each<T, V>(y, n, stream, [&](size_t i, size_t r) {
    return F(aScalar ? sa : load<T, V>(a + i, r), bScalar ? sb : load<T, V>(b + i, r));
  });
}

// SLEEF wrappers, overloaded on VD / VF so the templates below can name them generically. The 3.5-ulp variants
// where SLEEF has them (1.6-1.9x faster than u10 for sin, cos and log here, and tanh 10-25% faster than Cephes' form
// with one division): NumPy's own AVX-512 loops allow up to 4 ulp, and 3.5 ulp is a relative error below 8e-16 in
// float64.
#define GRADD_SLEEF_UNARY(X)                                                                                    \
  X(exp, exp, u10) X(log, log, u35) X(sin, sin, u35) X(cos, cos, u35) X(tan, tan, u35) X(tanh, tanh, u35)      \
  X(sinh, sinh, u35) X(cosh, cosh, u35) X(arcsin, asin, u35) X(arccos, acos, u35) X(arctan, atan, u35)          \
  X(expm1, expm1, u10) X(log1p, log1p, u10) X(log2, log2, u35) X(log10, log10, u10) X(exp2, exp2, u10)
#define GRADD_WRAP(op, fn, u)                                                                                   \
  VD sleef_##op(VD v) { return SLEEF_D(fn, u)(v); }                                                             \
  VF sleef_##op(VF v) { return SLEEF_F(fn, u)(v); }
GRADD_SLEEF_UNARY(GRADD_WRAP)
#undef GRADD_WRAP
VD sleef_power(VD a, VD b) { return SLEEF_D(pow, u10)(a, b); }
VF sleef_power(VF a, VF b) { return SLEEF_F(pow, u10)(a, b); }

// The scalar builtins for T: __builtin_fn for double, __builtin_fnf for float.
#define GRADD_SCALAR(name, fn)                                          \
  template <class T>                                                    \
  T name(T v) {                                                         \
    if constexpr (sizeof(T) == sizeof(float)) return __builtin_##fn##f(v); \
    else return __builtin_##fn(v);                                      \
  }
GRADD_SCALAR(scalarSqrt, sqrt)
GRADD_SCALAR(scalarAbs, fabs)
GRADD_SCALAR(scalarFloor, floor)
GRADD_SCALAR(scalarCeil, ceil)
GRADD_SCALAR(scalarTrunc, trunc)
#undef GRADD_SCALAR
// Math.sign's: ±0 and NaN are themselves.
template <class T>
T scalarSign(T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : v; }
template <class T, class V> V negative(V v) { return -v; }
template <class T, class V> V square(V v) { return v * v; }
template <class T, class V> V reciprocal(V v) { return splat<T, V>(1) / v; }
template <class T, class V> V sigmoid(V v) { return splat<T, V>(1) / (splat<T, V>(1) + sleef_exp(-v)); }
// Correctly rounded lane by lane; the compiler emits the ISA's vector sqrt (-fno-math-errno).
template <class T, class V> V vsqrt(V v) {
  for (size_t k = 0; k < lanes<T, V>; ++k) v[k] = scalarSqrt<T>(v[k]);
  return v;
}

template <class T, class V> V add(V a, V b) { return a + b; }
template <class T, class V> V subtract(V a, V b) { return a - b; }
template <class T, class V> V multiply(V a, V b) { return a * b; }
template <class T, class V> V divide(V a, V b) { return a / b; }
// NaN in either operand gives NaN (numpy semantics): unordered lanes fall through to a + b.
template <class T, class V> V maximum(V a, V b) { return a >= b ? a : a < b ? b : a + b; }
template <class T, class V> V minimum(V a, V b) { return a <= b ? a : a > b ? b : a + b; }
// log(e^a + e^b) and log2(2^a + 2^b) as the JS loops write them: max + log1p(e^-|a-b|) (NaN propagating), and at a tie
// a + log 2 (so that ∞ and ∞ give ∞, where a - b is NaN).
template <class T, class V> V logaddexp(V a, V b) {
  const V d = a - b, far = maximum<T, V>(a, b) + sleef_log1p(sleef_exp(d < 0 ? d : -d));
  return a == b ? a + splat<T, V>(T(0.693147180559945309417)) : far;
}
template <class T, class V> V logaddexp2(V a, V b) {
  const V d = a - b, far = maximum<T, V>(a, b) + sleef_log1p(sleef_exp2(d < 0 ? d : -d)) / splat<T, V>(T(0.693147180559945309417));
  return a == b ? a + splat<T, V>(1) : far;
}

template <class T, class V>
UnaryFn<T> unaryKernel(Unary op) {
  switch (op) {
#define GRADD_CASE(op, fn, u) \
  case Unary::op: return vmap<T, V, sleef_##op>;
    GRADD_SLEEF_UNARY(GRADD_CASE)
#undef GRADD_CASE
    case Unary::sqrt: return smap<T, scalarSqrt<T>>;
    case Unary::negative: return vmap<T, V, negative<T, V>>;
    case Unary::abs: return smap<T, scalarAbs<T>>;
    case Unary::square: return vmap<T, V, square<T, V>>;
    case Unary::reciprocal: return vmap<T, V, reciprocal<T, V>>;
    case Unary::sigmoid: return vmap<T, V, sigmoid<T, V>>;
    case Unary::sign: return smap<T, scalarSign<T>>;
    case Unary::floor: return smap<T, scalarFloor<T>>;
    case Unary::ceil: return smap<T, scalarCeil<T>>;
    case Unary::trunc: return smap<T, scalarTrunc<T>>;
    case Unary::count: break;
  }
  return nullptr;
}
#undef GRADD_SLEEF_UNARY

template <class T, class V>
BinaryFn<T> binaryKernel(Binary op) {
  switch (op) {
    case Binary::add: return bmap<T, V, add<T, V>>;
    case Binary::subtract: return bmap<T, V, subtract<T, V>>;
    case Binary::multiply: return bmap<T, V, multiply<T, V>>;
    case Binary::divide: return bmap<T, V, divide<T, V>>;
    case Binary::power: return bmap<T, V, sleef_power>;
    case Binary::maximum: return bmap<T, V, maximum<T, V>>;
    case Binary::minimum: return bmap<T, V, minimum<T, V>>;
    case Binary::logaddexp: return bmap<T, V, logaddexp<T, V>>;
    case Binary::logaddexp2: return bmap<T, V, logaddexp2<T, V>>;
    case Binary::count: break;
  }
  return nullptr;
}

// f'(x) from x and y = f(x), written as the rules in core/ops/unary.ts write it.
template <class T, class V> V dExp(V, V y) { return y; }
template <class T, class V> V dExpm1(V, V y) { return y + splat<T, V>(1); }
template <class T, class V> V dLog(V x, V) { return splat<T, V>(1) / x; }
template <class T, class V> V dLog1p(V x, V) { return splat<T, V>(1) / (x + splat<T, V>(1)); }
template <class T, class V> V dSin(V x, V) { return sleef_cos(x); }
template <class T, class V> V dCos(V x, V) { return -sleef_sin(x); }
template <class T, class V> V dTan(V x, V) { const V c = sleef_cos(x); return splat<T, V>(1) / (c * c); }
template <class T, class V> V dArcsin(V x, V) { return splat<T, V>(1) / vsqrt<T, V>(splat<T, V>(1) - x * x); }
template <class T, class V> V dArccos(V x, V) { return splat<T, V>(-1) / vsqrt<T, V>(splat<T, V>(1) - x * x); }
template <class T, class V> V dArctan(V x, V) { return splat<T, V>(1) / (splat<T, V>(1) + x * x); }
template <class T, class V> V dSinh(V x, V) { return sleef_cosh(x); }
template <class T, class V> V dCosh(V x, V) { return sleef_sinh(x); }
template <class T, class V> V dTanh(V, V y) { return splat<T, V>(1) - y * y; }
template <class T, class V> V dSqrt(V, V y) { return splat<T, V>(0.5) / y; }
template <class T, class V> V dSquare(V x, V) { return x * splat<T, V>(2); }
template <class T, class V> V dReciprocal(V, V y) { return -(y * y); }
// x / |x|, and 0 at ±0 (autograd's replace_zero): abs's rule for real x.
template <class T, class V> V dAbs(V x, V y) { return x / (y == 0 ? splat<T, V>(1) : y); }

template <class T, class V, V (*D)(V, V)>
void vjpmap(const T* g, bool gScalar, const T* x, const T* y, T* out, size_t n, bool stream) {
  const V sg = gScalar ? splat<T, V>(*g) : V{};
  each<T, V>(out, n, stream, [&](size_t i, size_t r) {
    return (gScalar ? sg : load<T, V>(g + i, r)) * D(load<T, V>(x + i, r), load<T, V>(y + i, r));
  });
}

template <class T, class V>
VjpFn<T> vjpKernel(Vjp op) {
  switch (op) {
    case Vjp::exp: return vjpmap<T, V, dExp<T, V>>;
    case Vjp::expm1: return vjpmap<T, V, dExpm1<T, V>>;
    case Vjp::log: return vjpmap<T, V, dLog<T, V>>;
    case Vjp::log1p: return vjpmap<T, V, dLog1p<T, V>>;
    case Vjp::sin: return vjpmap<T, V, dSin<T, V>>;
    case Vjp::cos: return vjpmap<T, V, dCos<T, V>>;
    case Vjp::tan: return vjpmap<T, V, dTan<T, V>>;
    case Vjp::arcsin: return vjpmap<T, V, dArcsin<T, V>>;
    case Vjp::arccos: return vjpmap<T, V, dArccos<T, V>>;
    case Vjp::arctan: return vjpmap<T, V, dArctan<T, V>>;
    case Vjp::sinh: return vjpmap<T, V, dSinh<T, V>>;
    case Vjp::cosh: return vjpmap<T, V, dCosh<T, V>>;
    case Vjp::tanh: return vjpmap<T, V, dTanh<T, V>>;
    case Vjp::sqrt: return vjpmap<T, V, dSqrt<T, V>>;
    case Vjp::square: return vjpmap<T, V, dSquare<T, V>>;
    case Vjp::reciprocal: return vjpmap<T, V, dReciprocal<T, V>>;
    case Vjp::abs: return vjpmap<T, V, dAbs<T, V>>;
    case Vjp::count: break;
  }
  return nullptr;
}

// Four vector accumulators, then the lanes added in double.
template <class T, class V>
double vsum(const T* x, size_t n) {
  constexpr size_t W = lanes<T, V>;
  V s0{}, s1{}, s2{}, s3{};
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    s0 += load<T, V>(x + i);
    s1 += load<T, V>(x + i + W);
    s2 += load<T, V>(x + i + 2 * W);
    s3 += load<T, V>(x + i + 3 * W);
  }
  for (; i + W <= n; i += W) s0 += load<T, V>(x + i);
  if (i < n) s1 += load<T, V>(x + i, n - i);
  const V s = (s0 + s1) + (s2 + s3);
  double total = 0;
  for (size_t k = 0; k < W; ++k) total += s[k];
  return total;
}

Kernels makeKernels(const char* isa) {
  Kernels k{isa, {}, {}, {}, {}, {}, {}, vsum<double, VD>, vsum<float, VF>};
  for (size_t i = 0; i < kVjpCount; ++i) {
    k.vjpF64[i] = vjpKernel<double, VD>(Vjp(i));
    k.vjpF32[i] = vjpKernel<float, VF>(Vjp(i));
  }
  for (size_t i = 0; i < kUnaryCount; ++i) {
    k.unaryF64[i] = unaryKernel<double, VD>(Unary(i));
    k.unaryF32[i] = unaryKernel<float, VF>(Unary(i));
  }
  for (size_t i = 0; i < kBinaryCount; ++i) {
    k.binaryF64[i] = binaryKernel<double, VD>(Binary(i));
    k.binaryF32[i] = binaryKernel<float, VF>(Binary(i));
  }
  return k;
}
