// More dense LAPACK for scipy.linalg and full SVDs (row-major LAPACKE), one matrix per call, with lapack.cc's
// conventions: inputs are never modified, out arrays may be the inputs, and the return value is LAPACK's info.
//   solveTriangular  ?trtrs
//   solveBanded      ?gbsv (SciPy's band layout)
//   svdFull          ?gesdd JOBZ 'A'
//   sqrtm            ?gees, then the recursive Schur square root (Deadman, Higham & Ralha) with ?trsyl
//   sylvester        ?gees twice, ?gemm, ?trsyl (Bartels-Stewart, as scipy.linalg.solve_sylvester)
#include <cblas.h>

#include <complex>
#include <cstring>
#include <type_traits>
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapacke.h>
#include <vector>

#include "element.h"
#include "exports.h"

namespace gradd {
namespace {

template <class T>
struct Lapack;
template <>
struct Lapack<double> {
  static constexpr auto trtrs = LAPACKE_dtrtrs;
  static constexpr auto gbsv = LAPACKE_dgbsv;
  static constexpr auto gesdd = LAPACKE_dgesdd;
  static constexpr auto trsyl = LAPACKE_dtrsyl;
  static lapack_int gees(lapack_int n, double* a, double* vs) {
    lapack_int sdim;
    std::vector<double> wr(n), wi(n);
    return LAPACKE_dgees(LAPACK_ROW_MAJOR, 'V', 'N', nullptr, n, a, n, &sdim, wr.data(), wi.data(), vs, n);
  }
};
template <>
struct Lapack<float> {
  static constexpr auto trtrs = LAPACKE_strtrs;
  static constexpr auto gbsv = LAPACKE_sgbsv;
  static constexpr auto gesdd = LAPACKE_sgesdd;
  static constexpr auto trsyl = LAPACKE_strsyl;
  static lapack_int gees(lapack_int n, float* a, float* vs) {
    lapack_int sdim;
    std::vector<float> wr(n), wi(n);
    return LAPACKE_sgees(LAPACK_ROW_MAJOR, 'V', 'N', nullptr, n, a, n, &sdim, wr.data(), wi.data(), vs, n);
  }
};
template <>
struct Lapack<std::complex<double>> {
  static constexpr auto trtrs = LAPACKE_ztrtrs;
  static constexpr auto gbsv = LAPACKE_zgbsv;
  static constexpr auto gesdd = LAPACKE_zgesdd;
  static constexpr auto trsyl = LAPACKE_ztrsyl;
  static lapack_int gees(lapack_int n, std::complex<double>* a, std::complex<double>* vs) {
    lapack_int sdim;
    std::vector<std::complex<double>> w(n);
    return LAPACKE_zgees(LAPACK_ROW_MAJOR, 'V', 'N', nullptr, n, a, n, &sdim, w.data(), vs, n);
  }
};
template <>
struct Lapack<std::complex<float>> {
  static constexpr auto trtrs = LAPACKE_ctrtrs;
  static constexpr auto gbsv = LAPACKE_cgbsv;
  static constexpr auto gesdd = LAPACKE_cgesdd;
  static constexpr auto trsyl = LAPACKE_ctrsyl;
  static lapack_int gees(lapack_int n, std::complex<float>* a, std::complex<float>* vs) {
    lapack_int sdim;
    std::vector<std::complex<float>> w(n);
    return LAPACKE_cgees(LAPACK_ROW_MAJOR, 'V', 'N', nullptr, n, a, n, &sdim, w.data(), vs, n);
  }
};

template <class T>
constexpr bool isReal = Element<T>::width == 1;

// C (m x n) = op(A) (m x k) * op(B) (k x n), row-major, packed; op is the conjugate transpose when flagged.
template <class T>
void gemm(bool adjA, bool adjB, int m, int n, int k, const T* A, const T* B, T* C) {
  const CBLAS_TRANSPOSE adj = isReal<T> ? CblasTrans : CblasConjTrans;
  const CBLAS_TRANSPOSE ta = adjA ? adj : CblasNoTrans, tb = adjB ? adj : CblasNoTrans;
  const int lda = adjA ? m : k, ldb = adjB ? k : n;
  const T one(1), zero(0);
  if constexpr (std::is_same_v<T, double>)
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1, A, lda, B, ldb, 0, C, n);
  else if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1, A, lda, B, ldb, 0, C, n);
  else if constexpr (std::is_same_v<T, std::complex<double>>)
    cblas_zgemm(CblasRowMajor, ta, tb, m, n, k, &one, A, lda, B, ldb, &zero, C, n);
  else
    cblas_cgemm(CblasRowMajor, ta, tb, m, n, k, &one, A, lda, B, ldb, &zero, C, n);
}

// out (m x n) = U (m x m) * Y (m x n) * V^H (V n x n).
template <class T>
void unitarySandwich(int m, int n, const T* U, const T* Y, const T* V, T* out) {
  std::vector<T> tmp(uint64_t(m) * n);
  gemm<T>(false, false, m, n, m, U, Y, tmp.data());
  gemm<T>(false, true, m, n, n, tmp.data(), V, out);
}

template <class F>
Napi::Value run(const Args& args, size_t complexArg, F&& body) {
  const lapack_int info = withElement(args.kind(0, "A"), args.flag(complexArg, "complex"), body);
  return Napi::Number::New(args.env(), info);
}

template <class T>
View<T> sized(const Args& args, size_t i, const char* name, uint64_t elements, const char* what) {
  const View<T> v = view<T>(args, i, name);
  args.exactLength(name, v.entries, elements, Element<T>::width, what);
  return v;
}

// solveTriangular(A, B, n, nrhs, lower, trans, unitDiagonal, outX, complex?): outX = op(A)^-1 B by ?trtrs on
// the lower or upper triangle of A; trans 0 = A, 1 = A^T, 2 = A^H. info > 0: A[info-1, info-1] is zero.
Napi::Value SolveTriangular(const Napi::CallbackInfo& info) {
  Args args(info, "solveTriangular", 8, 9);
  const uint64_t n = args.dim(2, "n"), nrhs = args.dim(3, "nrhs");
  const bool lower = args.boolean(4, "lower"), unit = args.boolean(6, "unitDiagonal");
  const char trans = "NTC"[args.integer(5, "trans", 0, 2)];
  return run(args, 8, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = sized<T>(args, 0, "A", n * n, "n*n"), B = sized<T>(args, 1, "B", n * nrhs, "n*nrhs");
    const View<T> X = sized<T>(args, 7, "outX", n * nrhs, "n*nrhs");
    if (n == 0 || nrhs == 0) return 0;
    std::memmove(X.data, B.data, n * nrhs * sizeof(T));
    return Lapack<T>::trtrs(LAPACK_ROW_MAJOR, lower ? 'L' : 'U', trans, unit ? 'U' : 'N', n, nrhs, A.data, n, X.data,
                            nrhs);
  });
}

// solveBanded(AB, B, n, kl, ku, nrhs, outX, complex?): outX = A^-1 B for the band matrix A held as SciPy holds
// it: AB is (kl+ku+1) x n with AB[ku + i - j, j] = A[i, j] (entries outside A are ignored). ?gbsv.
Napi::Value SolveBanded(const Napi::CallbackInfo& info) {
  Args args(info, "solveBanded", 7, 8);
  const uint64_t n = args.dim(2, "n"), kl = args.dim(3, "kl"), ku = args.dim(4, "ku"), nrhs = args.dim(5, "nrhs");
  if (2 * kl + ku + 1 > kMaxDim) args.rangeError("2*kl + ku + 1 must be at most 2147483647");
  return run(args, 7, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const uint64_t rows = kl + ku + 1;
    const View<T> AB = sized<T>(args, 0, "AB", rows * n, "(kl+ku+1)*n"), B = sized<T>(args, 1, "B", n * nrhs, "n*nrhs");
    const View<T> X = sized<T>(args, 6, "outX", n * nrhs, "n*nrhs");
    if (n == 0 || nrhs == 0) return 0;
    // LAPACK's row-major band layout: kl more rows on top for the fill-in of the factorization.
    std::vector<T> ab((kl + rows) * n);
    std::copy(AB.data, AB.data + rows * n, ab.begin() + kl * n);
    std::vector<lapack_int> piv(n);
    std::memmove(X.data, B.data, n * nrhs * sizeof(T));
    return Lapack<T>::gbsv(LAPACK_ROW_MAJOR, n, kl, ku, nrhs, ab.data(), n, piv.data(), X.data, nrhs);
  });
}

// svdFull(A, m, n, outU, outS, outVt, complex?): A = U diag(S) Vt with U m x m and Vt n x n (?gesdd 'A').
Napi::Value SvdFull(const Napi::CallbackInfo& info) {
  Args args(info, "svdFull", 6, 7);
  const uint64_t m = args.dim(1, "m"), n = args.dim(2, "n"), k = m < n ? m : n;
  return run(args, 6, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = sized<T>(args, 0, "A", m * n, "m*n"), U = sized<T>(args, 3, "outU", m * m, "m*m");
    const auto S = args.array<typename Element<T>::Real>(4, "outS");
    args.exactLength("outS", S.size, k, 1, "min(m,n)");
    const View<T> Vt = sized<T>(args, 5, "outVt", n * n, "n*n");
    if (m == 0 || n == 0) {  // the factors of an empty matrix: identities
      for (uint64_t i = 0; i < m * m; ++i) U.data[i] = T(i % (m + 1) == 0);
      for (uint64_t i = 0; i < n * n; ++i) Vt.data[i] = T(i % (n + 1) == 0);
      return 0;
    }
    std::vector<T> a(A.data, A.data + m * n);
    return Lapack<T>::gesdd(LAPACK_ROW_MAJOR, 'A', m, n, a.data(), n, S.data, U.data, m, Vt.data, n);
  });
}

// The principal square root of an upper (quasi-)triangular block in place (leading dimension ld): roots of
// the diagonal (1x1 or, real only, 2x2 blocks in Schur canonical form), then R11 X + X R22 = T12 by ?trsyl.
template <class T>
void rootTriangular(T* t, lapack_int ld, lapack_int size) {
  if (size == 1) {
    t[0] = std::sqrt(t[0]);
    return;
  }
  if constexpr (isReal<T>) {
    if (size == 2 && t[ld] != 0) {
      // Eigenvalues theta +- i mu: sqrt = alpha I + (B - theta I) / (2 alpha), alpha = Re sqrt(theta + i mu).
      const T theta = (t[0] + t[ld + 1]) / 2, half = (t[0] - t[ld + 1]) / 2;
      const T mu = std::sqrt(-half * half - t[1] * t[ld]);
      const T alpha = std::sqrt(std::complex<T>(theta, mu)).real();
      t[0] = alpha + half / (2 * alpha), t[ld + 1] = alpha - half / (2 * alpha);
      t[1] /= 2 * alpha, t[ld] /= 2 * alpha;
      return;
    }
  }
  lapack_int h = size / 2;
  if (isReal<T> && t[h * ld + h - 1] != T(0)) ++h;  // keep 2x2 blocks whole
  rootTriangular(t, ld, h);
  rootTriangular(t + h * ld + h, ld, size - h);
  typename Element<T>::Real scale = 1;
  // info 1 (close eigenvalues perturbed) leaves an approximate root, as SciPy returns.
  Lapack<T>::trsyl(LAPACK_ROW_MAJOR, 'N', 'N', 1, h, size - h, t, ld, t + h * ld + h, ld, t + h, ld, &scale);
  if (scale != 1)
    for (lapack_int i = 0; i < h; ++i)
      for (lapack_int j = h; j < size; ++j) t[i * ld + j] /= scale;
}

// sqrtm(A, n, out, complex?): out = the principal square root of A. info > 0: the Schur decomposition did not
// converge. A real A with a negative real eigenvalue has no real principal root: info = n + 1 and out is
// untouched (call again with A as complex).
Napi::Value Sqrtm(const Napi::CallbackInfo& info) {
  Args args(info, "sqrtm", 3, 4);
  const uint64_t n = args.dim(1, "n");
  return run(args, 3, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = sized<T>(args, 0, "A", n * n, "n*n"), out = sized<T>(args, 2, "out", n * n, "n*n");
    if (n == 0) return 0;
    std::vector<T> t(A.data, A.data + n * n), z(n * n);
    const lapack_int info = Lapack<T>::gees(n, t.data(), z.data());
    if (info != 0) return info;
    if constexpr (isReal<T>) {
      for (uint64_t k = 0; k < n; ++k) {
        const bool pairAbove = k > 0 && t[k * n + k - 1] != 0, pairBelow = k + 1 < n && t[(k + 1) * n + k] != 0;
        if (!pairAbove && !pairBelow && t[k * n + k] < 0) return lapack_int(n + 1);
      }
    }
    rootTriangular(t.data(), n, n);
    unitarySandwich<T>(n, n, z.data(), t.data(), z.data(), out.data);
    return 0;
  });
}

// sylvester(A, B, Q, m, n, outX, complex?): outX (m x n) solves A X + X B = Q for A m x m, B n x n. info > 0:
// a Schur decomposition did not converge. Common eigenvalues of A and -B are perturbed, as in SciPy.
Napi::Value Sylvester(const Napi::CallbackInfo& info) {
  Args args(info, "sylvester", 6, 7);
  const uint64_t m = args.dim(3, "m"), n = args.dim(4, "n");
  return run(args, 6, [&](auto tag) -> lapack_int {
    using T = typename decltype(tag)::type;
    const View<T> A = sized<T>(args, 0, "A", m * m, "m*m"), B = sized<T>(args, 1, "B", n * n, "n*n");
    const View<T> Q = sized<T>(args, 2, "Q", m * n, "m*n"), X = sized<T>(args, 5, "outX", m * n, "m*n");
    if (m == 0 || n == 0) return 0;
    std::vector<T> r(A.data, A.data + m * m), u(m * m), s(B.data, B.data + n * n), v(n * n);
    lapack_int info = Lapack<T>::gees(m, r.data(), u.data());
    if (info == 0) info = Lapack<T>::gees(n, s.data(), v.data());
    if (info != 0) return info;
    std::vector<T> tmp(m * n), f(m * n);  // F = U^H Q V
    gemm<T>(true, false, m, n, m, u.data(), Q.data, tmp.data());
    gemm<T>(false, false, m, n, n, tmp.data(), v.data(), f.data());
    typename Element<T>::Real scale = 1;
    Lapack<T>::trsyl(LAPACK_ROW_MAJOR, 'N', 'N', 1, m, n, r.data(), m, s.data(), n, f.data(), n, &scale);
    unitarySandwich<T>(m, n, u.data(), f.data(), v.data(), X.data);
    if (scale != 1)
      for (uint64_t i = 0; i < m * n; ++i) X.data[i] /= scale;
    return 0;
  });
}

}  // namespace

void registerLapackExtra(Napi::Env env, Napi::Object exports) {
  exports.Set("solveTriangular", Napi::Function::New(env, SolveTriangular, "solveTriangular"));
  exports.Set("solveBanded", Napi::Function::New(env, SolveBanded, "solveBanded"));
  exports.Set("svdFull", Napi::Function::New(env, SvdFull, "svdFull"));
  exports.Set("sqrtm", Napi::Function::New(env, Sqrtm, "sqrtm"));
  exports.Set("sylvester", Napi::Function::New(env, Sylvester, "sylvester"));
}

}  // namespace gradd
