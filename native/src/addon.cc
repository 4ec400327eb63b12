// gradd's native addon: registration, plus the calls that measure limits: two no-ops for the N-API call
// floor and STREAM's triad for memory bandwidth.
#include <napi.h>

#include "exports.h"
#include "parallel.h"
#include "validate.h"

namespace gradd {
namespace {

void Noop(const Napi::CallbackInfo&) {}

void NoopArray(const Napi::CallbackInfo& info) {
  Args args(info, "noopArray", 1, 1);
  args.array<double>(0, "x");
}

// triad(a, b, c, s, parallel): a[i] = b[i] + s * c[i], on the calling thread or across OpenBLAS's threads.
void Triad(const Napi::CallbackInfo& info) {
  Args args(info, "triad", 5, 5);
  const Span<double> a = args.array<double>(0, "a"), b = args.array<double>(1, "b"), c = args.array<double>(2, "c");
  const double s = args.number(3, "s");
  const bool parallel = args.boolean(4, "parallel");
  args.exactLength("b", b.size, a.size, 1, "a.length");
  args.exactLength("c", c.size, a.size, 1, "a.length");
  parallelFor(a.size, parallel ? a.size : 0, 64, [&](size_t i, size_t e) {
    for (; i < e; ++i) a.data[i] = b.data[i] + s * c.data[i];
  });
}

}  // namespace
}  // namespace gradd

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  gradd::tuneMalloc();
  exports.Set("noop", Napi::Function::New(env, gradd::Noop, "noop"));
  exports.Set("noopArray", Napi::Function::New(env, gradd::NoopArray, "noopArray"));
  exports.Set("triad", Napi::Function::New(env, gradd::Triad, "triad"));
  gradd::registerElementwise(env, exports);
  gradd::registerReduce(env, exports);
  gradd::registerMixed(env, exports);
  gradd::registerOptim(env, exports);
  gradd::registerBlas(env, exports);
  gradd::registerLapack(env, exports);
  gradd::registerLapackExtra(env, exports);
  return exports;
}

NODE_API_MODULE(gradd_native, Init)
