// Elementwise kernels for Baseline x86-64 (SSE2): every x86-64 CPU runs these.
#include <sleef.h>

#include "kernels.h"

namespace gradd {
namespace {

using VD = __m128d;
using VF = __m128;
#define SLEEF_D(fn, u) Sleef_##fn##d2_##u##sse2
#define SLEEF_F(fn, u) Sleef_##fn##f4_##u##sse2
#define STREAM_D _mm_stream_pd
#define STREAM_F _mm_stream_ps
#include "kernels_impl.h"

}  // namespace

const Kernels& kernelsSse2() {
  static const Kernels k = makeKernels("sse2");
  return k;
}

}  // namespace gradd
