// Elementwise kernels for AVX2 + FMA (compiled with -mavx2 -mfma): only for CPUs that have both.
#include <sleef.h>

#include "kernels.h"

namespace gradd {
namespace {

using VD = __m256d;
using VF = __m256;
#define SLEEF_D(fn, u) Sleef_##fn##d4_##u##avx2
#define SLEEF_F(fn, u) Sleef_##fn##f8_##u##avx2
#define STREAM_D _mm256_stream_pd
#define STREAM_F _mm256_stream_ps
#include "kernels_impl.h"

}  // namespace

const Kernels& kernelsAvx2() {
  static const Kernels k = makeKernels("avx2");
  return k;
}

}  // namespace gradd
