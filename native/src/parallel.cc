#include "parallel.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>

// OpenBLAS's splitter for its own level-1 routines (driver/others/blas_l1_thread.c): it cuts m into
// `nthreads` ranges and runs `function` on each through its thread server, the caller taking the first.
// Weak, so a serial OpenBLAS without it still loads (and everything runs on the calling thread).
extern "C" __attribute__((weak, visibility("default"))) int blas_level1_thread(
    int mode, long m, long n, long k, void* alpha, void* a, long lda, void* b, long ldb, void* c, long ldc,
    int (*function)(), int nthreads);

namespace gradd {
namespace {

// Each thread claims chunks from `next` until none are left (dynamic: a core taken by another process
// does not hold up the rest), so only the call itself is borrowed from OpenBLAS, not its range arithmetic.
struct Job {
  const std::function<void(size_t, size_t)>* body;
  size_t n, chunk;
  std::atomic<size_t> next{0};
};

// OpenBLAS's "legacy" signature for real double routines; only c (the Job) is used.
int runJob(long, long, long, double, void*, long, void*, long, void* c, long, void*) {
  Job& job = *static_cast<Job*>(c);
  for (size_t b; (b = job.next.fetch_add(job.chunk)) < job.n;) (*job.body)(b, std::min(job.n, b + job.chunk));
  return 0;
}

int call(int mode, Job& job, int threads) {
  double alpha = 0;
  return blas_level1_thread(mode, threads, 0, 0, &alpha, nullptr, 1, nullptr, 1, &job, 0,
                            reinterpret_cast<int (*)()>(reinterpret_cast<void (*)()>(runJob)), threads);
}

// The mode that means "real double" differs between OpenBLAS versions (BLAS_DOUBLE is 0x3 since bfloat16
// support, 0x1 before), and a mode OpenBLAS does not handle is silently skipped: try each on one thread
// (run inline by the caller) and keep the one that ran. 0: none did, stay serial.
int doubleMode() {
  if (!blas_level1_thread) return 0;
  for (int mode : {0x3, 0x1}) {
    bool ran = false;
    const std::function<void(size_t, size_t)> mark = [&](size_t, size_t) { ran = true; };
    Job job{&mark, 1, 1};
    call(mode, job, 1);
    if (ran) return mode;
  }
  return 0;
}

}  // namespace

void parallelFor(size_t n, size_t work, size_t align, const std::function<void(size_t, size_t)>& body) {
  static const int mode = doubleMode();
  const int threads = work < kParallelMin || !mode ? 1 : openblas_get_num_threads();
  if (threads <= 1 || n <= align) {
    if (n) body(0, n);
    return;
  }
  // About four chunks per thread, on `align` boundaries.
  const size_t chunk = std::max(align, (n / (4 * size_t(threads)) + align - 1) / align * align);
  Job job{&body, n, chunk};
  call(mode, job, int(std::min<size_t>(threads, (n + chunk - 1) / chunk)));
}

}  // namespace gradd
