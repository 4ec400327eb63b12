// gemm (row-major cblas ?gemm) and OpenBLAS's thread count and build info.
#include <cblas.h>

#include <type_traits>

#include "element.h"
#include "exports.h"

namespace gradd {
namespace {

template <class T>
void gemm(bool transA, bool transB, int m, int n, int k, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
          T* C, int ldc) {
  const CBLAS_TRANSPOSE ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, double>)
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  else if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  else if constexpr (std::is_same_v<T, std::complex<double>>)
    cblas_zgemm(CblasRowMajor, ta, tb, m, n, k, &alpha, A, lda, B, ldb, &beta, C, ldc);
  else
    cblas_cgemm(CblasRowMajor, ta, tb, m, n, k, &alpha, A, lda, B, ldb, &beta, C, ldc);
}

// gemm(transA, transB, m, n, k, alpha, A, offA, lda, B, offB, ldb, beta, C, offC, ldc, complex?):
// C[offC..] = alpha * op(A[offA..]) * op(B[offB..]) + beta * C, all row-major; offsets in elements.
void Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm", 16, 17);
  const bool transA = args.boolean(0, "transA"), transB = args.boolean(1, "transB");
  const uint64_t m = args.dim(2, "m"), n = args.dim(3, "n"), k = args.dim(4, "k");
  const double alpha = args.number(5, "alpha"), beta = args.number(12, "beta");
  const Kind kind = args.kind(6, "A");
  const uint64_t offA = args.offset(7, "offA"), lda = args.dim(8, "lda");
  const uint64_t offB = args.offset(10, "offB"), ldb = args.dim(11, "ldb");
  const uint64_t offC = args.offset(14, "offC"), ldc = args.dim(15, "ldc");
  withElement(kind, args.flag(16, "complex"), [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr uint64_t w = Element<T>::width;
    const View<T> A = view<T>(args, 6, "A"), B = view<T>(args, 9, "B"), C = view<T>(args, 13, "C");
    args.matrixFits("A", A.entries, w, offA, "offA", transA ? k : m, transA ? m : k, lda, "lda");
    args.matrixFits("B", B.entries, w, offB, "offB", transB ? n : k, transB ? k : n, ldb, "ldb");
    args.matrixFits("C", C.entries, w, offC, "offC", m, n, ldc, "ldc");
    gemm<T>(transA, transB, int(m), int(n), int(k), T(alpha), A.data + offA, int(lda), B.data + offB, int(ldb),
            T(beta), C.data + offC, int(ldc));
  });
}

void SetThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads", 1, 1);
  openblas_set_num_threads(int(args.integer(0, "n", 1, 1024)));
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  Args(info, "getThreads", 0, 0);
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value BlasConfig(const Napi::CallbackInfo& info) {
  Args(info, "blasConfig", 0, 0);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("config", openblas_get_config());
  out.Set("corename", openblas_get_corename());
  return out;
}

}  // namespace

void registerBlas(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("blasConfig", Napi::Function::New(env, BlasConfig, "blasConfig"));
}

}  // namespace gradd
