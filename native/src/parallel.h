// Large elementwise work is split across OpenBLAS's own thread pool, so one pool owns the cores: gradd's
// kernels and BLAS take turns on the same threads instead of two pools fighting over them (2.5-3.5x
// slowdowns were measured with two pools on two cores).
#pragma once

#include <cstddef>
#include <functional>

namespace gradd {

// Work (in elements) below which one thread is faster than waking the pool.
constexpr size_t kParallelMin = 16384;

// Calls body(begin, end) on disjoint ranges covering [0, n), with range boundaries at multiples of `align`:
// on the calling thread alone when work < kParallelMin or OpenBLAS runs one thread (or is a serial build),
// else on OpenBLAS's threads and the calling one, which claim ranges until all are done. Returns when all are.
void parallelFor(size_t n, size_t work, size_t align, const std::function<void(size_t, size_t)>& body);

}  // namespace gradd
