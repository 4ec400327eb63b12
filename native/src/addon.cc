// gradd's native addon: registration, plus the two no-op calls that measure the N-API call floor.
#include <napi.h>

#include "exports.h"
#include "validate.h"

namespace gradd {
namespace {

void Noop(const Napi::CallbackInfo&) {}

void NoopArray(const Napi::CallbackInfo& info) {
  Args args(info, "noopArray", 1, 1);
  args.array<double>(0, "x");
}

}  // namespace
}  // namespace gradd

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("noop", Napi::Function::New(env, gradd::Noop, "noop"));
  exports.Set("noopArray", Napi::Function::New(env, gradd::NoopArray, "noopArray"));
  gradd::registerElementwise(env, exports);
  gradd::registerBlas(env, exports);
  gradd::registerLapack(env, exports);
  gradd::registerLapackExtra(env, exports);
  return exports;
}

NODE_API_MODULE(gradd_native, Init)
