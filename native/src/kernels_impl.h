// Kernel bodies for one ISA level. kernels_<isa>.cc includes this inside an anonymous namespace, after
// defining
//   VD, VF                      the ISA's double / float vectors (GCC vector types: + - * / < ?: work lane-wise)
//   SLEEF_D(fn), SLEEF_F(fn)    the SLEEF symbol of fn (u10: <= 1 ulp) for VD / VF on that ISA
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

// y = F(x) a vector at a time; the tail is padded with zeros (harmless: FP exceptions are masked).
// Each vector is loaded before its store, so y may be x.
template <class T, class V, V (*F)(V)>
void vmap(const T* x, T* y, size_t n) {
  constexpr size_t W = lanes<T, V>;
  size_t i = 0;
  for (; i + W <= n; i += W) store<T, V>(y + i, F(load<T, V>(x + i)));
  if (i < n) store<T, V>(y + i, F(load<T, V>(x + i, n - i)), n - i);
}

// Plain loop for ops the compiler vectorises itself (correctly rounded sqrt, abs).
template <class T, T (*f)(T)>
void smap(const T* x, T* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class T, class V, V (*F)(V, V)>
void bmap(const T* a, bool aScalar, const T* b, bool bScalar, T* y, size_t n) {
  constexpr size_t W = lanes<T, V>;
  const V sa = aScalar ? splat<T, V>(*a) : V{}, sb = bScalar ? splat<T, V>(*b) : V{};
  size_t i = 0;
  for (; i + W <= n; i += W)
    store<T, V>(y + i, F(aScalar ? sa : load<T, V>(a + i), bScalar ? sb : load<T, V>(b + i)));
  if (const size_t r = n - i)
    store<T, V>(y + i, F(aScalar ? sa : load<T, V>(a + i, r), bScalar ? sb : load<T, V>(b + i, r)), r);
}

// SLEEF wrappers, overloaded on VD / VF so the templates below can name them generically.
#define GRADD_SLEEF_UNARY(X)                                                                                    \
  X(exp, exp) X(log, log) X(sin, sin) X(cos, cos) X(tan, tan) X(tanh, tanh) X(sinh, sinh) X(cosh, cosh)           \
  X(arcsin, asin) X(arccos, acos) X(arctan, atan) X(expm1, expm1) X(log1p, log1p)
#define GRADD_WRAP(op, fn)                                                                                      \
  VD sleef_##op(VD v) { return SLEEF_D(fn)(v); }                                                                \
  VF sleef_##op(VF v) { return SLEEF_F(fn)(v); }
GRADD_SLEEF_UNARY(GRADD_WRAP)
#undef GRADD_WRAP
VD sleef_power(VD a, VD b) { return SLEEF_D(pow)(a, b); }
VF sleef_power(VF a, VF b) { return SLEEF_F(pow)(a, b); }

template <class T>
T scalarSqrt(T v) {
  if constexpr (sizeof(T) == sizeof(float)) return __builtin_sqrtf(v);
  else return __builtin_sqrt(v);
}
template <class T>
T scalarAbs(T v) {
  if constexpr (sizeof(T) == sizeof(float)) return __builtin_fabsf(v);
  else return __builtin_fabs(v);
}
template <class T, class V> V negative(V v) { return -v; }
template <class T, class V> V square(V v) { return v * v; }
template <class T, class V> V reciprocal(V v) { return splat<T, V>(1) / v; }
template <class T, class V> V sigmoid(V v) { return splat<T, V>(1) / (splat<T, V>(1) + sleef_exp(-v)); }

template <class T, class V> V add(V a, V b) { return a + b; }
template <class T, class V> V subtract(V a, V b) { return a - b; }
template <class T, class V> V multiply(V a, V b) { return a * b; }
template <class T, class V> V divide(V a, V b) { return a / b; }
// NaN in either operand gives NaN (numpy semantics): unordered lanes fall through to a + b.
template <class T, class V> V maximum(V a, V b) { return a >= b ? a : a < b ? b : a + b; }
template <class T, class V> V minimum(V a, V b) { return a <= b ? a : a > b ? b : a + b; }

template <class T, class V>
UnaryFn<T> unaryKernel(Unary op) {
  switch (op) {
#define GRADD_CASE(op, fn) \
  case Unary::op: return vmap<T, V, sleef_##op>;
    GRADD_SLEEF_UNARY(GRADD_CASE)
#undef GRADD_CASE
    case Unary::sqrt: return smap<T, scalarSqrt<T>>;
    case Unary::negative: return vmap<T, V, negative<T, V>>;
    case Unary::abs: return smap<T, scalarAbs<T>>;
    case Unary::square: return vmap<T, V, square<T, V>>;
    case Unary::reciprocal: return vmap<T, V, reciprocal<T, V>>;
    case Unary::sigmoid: return vmap<T, V, sigmoid<T, V>>;
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
    case Binary::count: break;
  }
  return nullptr;
}

Kernels makeKernels(const char* isa) {
  Kernels k{isa, {}, {}, {}, {}};
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
