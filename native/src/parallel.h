// Large elementwise work is split across OpenBLAS's own thread pool, so one pool owns the cores: gradd's
// kernels and BLAS take turns on the same threads instead of two pools fighting over them (2.5-3.5x
// slowdowns were measured with two pools on two cores).
#pragma once

#include <cstddef>
#include <functional>

namespace gradd {

// Work below which the calling thread alone is used, in elements of a cheap op (an element of a transcendental
// function counts kTranscendental): 2^18 (2 MB of doubles, or 2^16 transcendentals: W4's tanh over 128 x 512 takes
// 0.10 ms on two threads after a gemm, 0.14 ms on one). Waking the pool costs microseconds on an idle machine (its
// threads still spin after a gemm), but on a busy one the caller may wait a scheduler tick for a pool thread,
// which only large kernels amortise.
constexpr size_t kParallelMin = size_t(1) << 18;
constexpr size_t kTranscendental = 4;

// Calls body(begin, end) on disjoint ranges covering [0, n), with range boundaries at multiples of `align`:
// on the calling thread alone when work < kParallelMin or OpenBLAS runs one thread (or is a serial build),
// else on OpenBLAS's threads and the calling one, which claim ranges until all are done. Returns when all are.
void parallelFor(size_t n, size_t work, size_t align, const std::function<void(size_t, size_t)>& body);

}  // namespace gradd
