// unary / binary: elementwise kernels on contiguous Float64Array / Float32Array, dispatched at run time to
// the best ISA level the CPU has (setIsa can pick a lower one, e.g. to test it).
#include <atomic>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "exports.h"
#include "kernels.h"
#include "validate.h"

namespace gradd {
namespace {

// Kernel tables this CPU can run, best first. __builtin_cpu_supports also checks the OS saves the
// AVX / AVX-512 registers.
std::vector<const Kernels*> detect() {
  __builtin_cpu_init();
  std::vector<const Kernels*> tables;
  if (__builtin_cpu_supports("avx512f")) tables.push_back(&kernelsAvx512());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) tables.push_back(&kernelsAvx2());
  tables.push_back(&kernelsSse2());
  return tables;
}

const std::vector<const Kernels*>& supported() {
  static const std::vector<const Kernels*> tables = detect();
  return tables;
}

std::atomic<const Kernels*> active{supported().front()};

template <class T>
const UnaryFn<T>* unaryTable(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.unaryF64;
  else return k.unaryF32;
}

template <class T>
const BinaryFn<T>* binaryTable(const Kernels& k) {
  if constexpr (std::is_same_v<T, double>) return k.binaryF64;
  else return k.binaryF32;
}

Napi::Array strings(Napi::Env env, const std::vector<const char*>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(uint32_t(i), items[i]);
  return array;
}

template <class T>
void unary(const Args& args, size_t code) {
  const Span<T> x = args.array<T>(1, "x"), out = args.array<T>(2, "out");
  args.exactLength("out", out.size, x.size, 1, "x.length");
  unaryTable<T>(*active)[code](x.data, out.data, x.size);
}

// unary(code, x, out): out[i] = op(x[i]); x and out are the same type and length (out may be x).
void CallUnary(const Napi::CallbackInfo& info) {
  Args args(info, "unary", 3, 3);
  const size_t code = args.integer(0, "code", 0, kUnaryCount - 1);
  if (args.kind(1, "x") == Kind::F64) unary<double>(args, code);
  else unary<float>(args, code);
}

template <class T>
void binary(const Args& args, size_t code) {
  const Span<T> a = args.array<T>(1, "a"), b = args.array<T>(2, "b"), out = args.array<T>(3, "out");
  const size_t n = out.size;
  for (const auto& [name, size] : {std::pair{"a", a.size}, std::pair{"b", b.size}})
    if (size != n && size != 1)
      args.rangeError(std::string(name) + " must have length 1 (a scalar) or out.length = " + std::to_string(n) +
                      ", got " + std::to_string(size));
  binaryTable<T>(*active)[code](a.data, a.size == 1, b.data, b.size == 1, out.data, n);
}

// binary(code, a, b, out): out[i] = op(a[i], b[i]); a length-1 operand broadcasts as a scalar.
void CallBinary(const Napi::CallbackInfo& info) {
  Args args(info, "binary", 4, 4);
  const size_t code = args.integer(0, "code", 0, kBinaryCount - 1);
  if (args.kind(1, "a") == Kind::F64) binary<double>(args, code);
  else binary<float>(args, code);
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  Args(info, "getIsa", 0, 0);
  return Napi::String::New(info.Env(), active.load()->isa);
}

void SetIsa(const Napi::CallbackInfo& info) {
  Args args(info, "setIsa", 1, 1);
  const std::string name = args.string(0, "isa");
  for (const Kernels* k : supported())
    if (name == k->isa) return active.store(k);
  std::string names;
  for (const Kernels* k : supported()) names += std::string(names.empty() ? "" : ", ") + k->isa;
  args.rangeError("isa must be one this CPU supports (" + names + "), got '" + name + "'");
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  std::vector<const char*> isas;
  for (const Kernels* k : supported()) isas.push_back(k->isa);
  exports.Set("unaryOps", strings(env, {std::begin(kUnaryNames), std::end(kUnaryNames)}));
  exports.Set("binaryOps", strings(env, {std::begin(kBinaryNames), std::end(kBinaryNames)}));
  exports.Set("supportedIsas", strings(env, isas));
  exports.Set("unary", Napi::Function::New(env, CallUnary, "unary"));
  exports.Set("binary", Napi::Function::New(env, CallBinary, "binary"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
}

}  // namespace gradd
