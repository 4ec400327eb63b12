// Dense LAPACK (row-major LAPACKE) on one matrix per call; batches are the caller's loop over subarrays.
// Every function works on copies or on its out arrays, never changes its inputs, and returns LAPACK's info:
// 0 ok, > 0 a numerical failure (singular, not positive definite, no convergence), < 0 argument -info was
// rejected by LAPACKE (its NaN check reports a NaN in an input matrix this way) or LAPACKE ran out of memory.
#include <complex>
#include <cstring>
// LAPACKE's complex arguments as std::complex (the way lapack.h documents), not C99 _Complex.
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapacke.h>
#include <vector>

#include "element.h"
#include "exports.h"

namespace gradd {
namespace {

static_assert(sizeof(lapack_int) == sizeof(int32_t), "lu's outPiv is an Int32Array");

template <class T>
struct Lapack;
template <>
struct Lapack<double> {
  static constexpr auto gesv = LAPACKE_dgesv;
  static constexpr auto getrf = LAPACKE_dgetrf;
  static constexpr auto getri = LAPACKE_dgetri;
  static constexpr auto potrf = LAPACKE_dpotrf;
  static constexpr auto eigh = LAPACKE_dsyevd;
  static constexpr auto gesdd = LAPACKE_dgesdd;
  static constexpr auto geev = LAPACKE_dgeev;
};
template <>
struct Lapack<float> {
  static constexpr auto gesv = LAPACKE_sgesv;
  static constexpr auto getrf = LAPACKE_sgetrf;
  static constexpr auto getri = LAPACKE_sgetri;
  static constexpr auto potrf = LAPACKE_spotrf;
  static constexpr auto eigh = LAPACKE_ssyevd;
  static constexpr auto gesdd = LAPACKE_sgesdd;
  static constexpr auto geev = LAPACKE_sgeev;
};
template <>
struct Lapack<std::complex<double>> {
  static constexpr auto gesv = LAPACKE_zgesv;
  static constexpr auto getrf = LAPACKE_zgetrf;
  static constexpr auto getri = LAPACKE_zgetri;
  static constexpr auto potrf = LAPACKE_zpotrf;
  static constexpr auto eigh = LAPACKE_zheevd;
  static constexpr auto gesdd = LAPACKE_zgesdd;
  static constexpr auto geev = LAPACKE_zgeev;
};
template <>
struct Lapack<std::complex<float>> {
  static constexpr auto gesv = LAPACKE_cgesv;
  static constexpr auto getrf = LAPACKE_cgetrf;
  static constexpr auto getri = LAPACKE_cgetri;
  static constexpr auto potrf = LAPACKE_cpotrf;
  static constexpr auto eigh = LAPACKE_cheevd;
  static constexpr auto gesdd = LAPACKE_cgesdd;
  static constexpr auto geev = LAPACKE_cgeev;
};

template <class T>
using Real = typename Element<T>::Real;

// memmove: out arrays may be the input itself.
template <class T>
void copyElements(T* dst, const T* src, uint64_t count) {
  std::memmove(dst, src, count * sizeof(T));
}

// An n x n matrix argument (exact length).
template <class T>
View<T> square(const Args& args, size_t i, const char* name, uint64_t n) {
  const View<T> v = view<T>(args, i, name);
  args.exactLength(name, v.entries, n * n, Element<T>::width, "n*n");
  return v;
}

// A real vector argument of length n (eigenvalues, singular values), the real type of T.
template <class T>
Real<T>* realVector(const Args& args, size_t i, const char* name, uint64_t n, const char* what) {
  const Span<Real<T>> v = args.array<Real<T>>(i, name);
  args.exactLength(name, v.size, n, 1, what);
  return v.data;
}

// Runs body(Tag<T>) for the element type of argument `a` (and the optional trailing `complex` flag at
// index complexArg) and returns its info as a JS number.
template <class F>
Napi::Value run(const Args& args, size_t complexArg, F&& body) {
  const Kind kind = args.kind(0, "A");
  const lapack_int info = withElement(kind, args.flag(complexArg, "complex"), body);
  return Napi::Number::New(args.env(), info);
}

// solve(A, B, n, nrhs, outX, complex?): outX (n x nrhs) = A^-1 B, by ?gesv on copies.
Napi::Value Solve(const Napi::CallbackInfo& info) {
  Args args(info, "solve", 5, 6);
  const uint64_t n = args.dim(2, "n"), nrhs = args.dim(3, "nrhs");
  return run(args, 5, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = square<T>(args, 0, "A", n), B = view<T>(args, 1, "B"), X = view<T>(args, 4, "outX");
    args.exactLength("B", B.entries, n * nrhs, Element<T>::width, "n*nrhs");
    args.exactLength("outX", X.entries, n * nrhs, Element<T>::width, "n*nrhs");
    if (n == 0 || nrhs == 0) return 0;
    std::vector<T> lu(A.data, A.data + n * n);
    std::vector<lapack_int> piv(n);
    copyElements(X.data, B.data, n * nrhs);
    return Lapack<T>::gesv(LAPACK_ROW_MAJOR, n, nrhs, lu.data(), n, piv.data(), X.data, nrhs);
  });
}

// inv(A, n, out, complex?): out = A^-1 by ?getrf + ?getri (out is left as the LU factors when info > 0).
Napi::Value Inv(const Napi::CallbackInfo& info) {
  Args args(info, "inv", 3, 4);
  const uint64_t n = args.dim(1, "n");
  return run(args, 3, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = square<T>(args, 0, "A", n), out = square<T>(args, 2, "out", n);
    if (n == 0) return 0;
    std::vector<lapack_int> piv(n);
    copyElements(out.data, A.data, n * n);
    const lapack_int info = Lapack<T>::getrf(LAPACK_ROW_MAJOR, n, n, out.data, n, piv.data());
    return info != 0 ? info : Lapack<T>::getri(LAPACK_ROW_MAJOR, n, out.data, n, piv.data());
  });
}

// lu(A, n, outLU, outPiv, complex?): ?getrf. outLU holds L (unit diagonal, below) and U; outPiv (Int32Array,
// length n) holds LAPACK's 1-based row swaps: row i was swapped with row outPiv[i]-1. det = prod(diag U) *
// (-1)^(number of i with outPiv[i] != i+1).
Napi::Value Lu(const Napi::CallbackInfo& info) {
  Args args(info, "lu", 4, 5);
  const uint64_t n = args.dim(1, "n");
  return run(args, 4, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = square<T>(args, 0, "A", n), out = square<T>(args, 2, "outLU", n);
    const Span<int32_t> piv = args.array<int32_t>(3, "outPiv");
    args.exactLength("outPiv", piv.size, n, 1, "n");
    if (n == 0) return 0;
    copyElements(out.data, A.data, n * n);
    return Lapack<T>::getrf(LAPACK_ROW_MAJOR, n, n, out.data, n, piv.data);
  });
}

// cholesky(A, n, out, complex?): out = L with A = L L^H, from A's lower triangle (?potrf 'L'); the strict
// upper triangle of out is zeroed.
Napi::Value Cholesky(const Napi::CallbackInfo& info) {
  Args args(info, "cholesky", 3, 4);
  const uint64_t n = args.dim(1, "n");
  return run(args, 3, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = square<T>(args, 0, "A", n), out = square<T>(args, 2, "out", n);
    if (n == 0) return 0;
    copyElements(out.data, A.data, n * n);
    const lapack_int info = Lapack<T>::potrf(LAPACK_ROW_MAJOR, 'L', n, out.data, n);
    for (uint64_t i = 0; i < n; ++i)
      for (uint64_t j = i + 1; j < n; ++j) out.data[i * n + j] = T(0);
    return info;
  });
}

// eigh(A, n, outW, outV, complex?): symmetric / Hermitian eigendecomposition from A's lower triangle
// (?syevd / ?heevd, UPLO 'L'). outW (real, length n): eigenvalues ascending; outV: eigenvectors as columns.
Napi::Value Eigh(const Napi::CallbackInfo& info) {
  Args args(info, "eigh", 4, 5);
  const uint64_t n = args.dim(1, "n");
  return run(args, 4, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = square<T>(args, 0, "A", n);
    Real<T>* W = realVector<T>(args, 2, "outW", n, "n");
    const View<T> V = square<T>(args, 3, "outV", n);
    if (n == 0) return 0;
    copyElements(V.data, A.data, n * n);
    return Lapack<T>::eigh(LAPACK_ROW_MAJOR, 'V', 'L', n, V.data, n, W);
  });
}

// svd(A, m, n, outU, outS, outVt, complex?): thin SVD A = U diag(S) Vt by ?gesdd (JOBZ 'S'), k = min(m, n):
// outU m x k, outS (real) k descending, outVt k x n.
Napi::Value Svd(const Napi::CallbackInfo& info) {
  Args args(info, "svd", 6, 7);
  const uint64_t m = args.dim(1, "m"), n = args.dim(2, "n"), k = m < n ? m : n;
  return run(args, 6, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    constexpr uint64_t w = Element<T>::width;
    const View<T> A = view<T>(args, 0, "A"), U = view<T>(args, 3, "outU");
    Real<T>* S = realVector<T>(args, 4, "outS", k, "min(m,n)");
    const View<T> Vt = view<T>(args, 5, "outVt");
    args.exactLength("A", A.entries, m * n, w, "m*n");
    args.exactLength("outU", U.entries, m * k, w, "m*min(m,n)");
    args.exactLength("outVt", Vt.entries, k * n, w, "min(m,n)*n");
    if (k == 0) return 0;
    std::vector<T> a(A.data, A.data + m * n);
    return Lapack<T>::gesdd(LAPACK_ROW_MAJOR, 'S', m, n, a.data(), n, S, U.data, k, Vt.data, n);
  });
}

// eig(A, n, outWr, outWi, outVr, complex?): general eigendecomposition by ?geev (right vectors only).
// outWr, outWi (real, length n): eigenvalues' real and imaginary parts. outVr: eigenvectors as columns,
// normalised to unit 2-norm. Real A: outVr is real in LAPACK's packing - for a complex pair
// (outWi[j] > 0, outWi[j+1] < 0) the vectors are outVr[:, j] +- i*outVr[:, j+1]. Complex A: outVr is
// complex, one vector per column.
Napi::Value Eig(const Napi::CallbackInfo& info) {
  Args args(info, "eig", 5, 6);
  const uint64_t n = args.dim(1, "n");
  return run(args, 5, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = square<T>(args, 0, "A", n);
    Real<T>* wr = realVector<T>(args, 2, "outWr", n, "n");
    Real<T>* wi = realVector<T>(args, 3, "outWi", n, "n");
    const View<T> V = square<T>(args, 4, "outVr", n);
    if (n == 0) return 0;
    std::vector<T> a(A.data, A.data + n * n);
    if constexpr (Element<T>::width == 1) {
      return Lapack<T>::geev(LAPACK_ROW_MAJOR, 'N', 'V', n, a.data(), n, wr, wi, nullptr, n, V.data, n);
    } else {
      std::vector<T> w(n);
      const lapack_int info = Lapack<T>::geev(LAPACK_ROW_MAJOR, 'N', 'V', n, a.data(), n, w.data(), nullptr, n, V.data, n);
      for (uint64_t i = 0; i < n; ++i) wr[i] = w[i].real(), wi[i] = w[i].imag();
      return info;
    }
  });
}

}  // namespace

void registerLapack(Napi::Env env, Napi::Object exports) {
  exports.Set("solve", Napi::Function::New(env, Solve, "solve"));
  exports.Set("inv", Napi::Function::New(env, Inv, "inv"));
  exports.Set("lu", Napi::Function::New(env, Lu, "lu"));
  exports.Set("cholesky", Napi::Function::New(env, Cholesky, "cholesky"));
  exports.Set("eigh", Napi::Function::New(env, Eigh, "eigh"));
  exports.Set("svd", Napi::Function::New(env, Svd, "svd"));
  exports.Set("eig", Napi::Function::New(env, Eig, "eig"));
}

}  // namespace gradd
