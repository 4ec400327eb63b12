// Elementwise kernels for AVX-512F (compiled with -mavx512f -mfma): only for CPUs that have it.
#include <sleef.h>

#include "kernels.h"

namespace gradd {
namespace {

using VD = __m512d;
using VF = __m512;
#define SLEEF_D(fn, u) Sleef_##fn##d8_##u##avx512f
#define SLEEF_F(fn, u) Sleef_##fn##f16_##u##avx512f
#define STREAM_D _mm512_stream_pd
#define STREAM_F _mm512_stream_ps
#include "kernels_impl.h"

}  // namespace

const Kernels& kernelsAvx512() {
  static const Kernels k = makeKernels("avx512f");
  return k;
}

}  // namespace gradd
