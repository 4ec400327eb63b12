#include "validate.h"

#include <cmath>

namespace gradd {
namespace {

const char* typedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

[[noreturn]] void fail(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  throw error;
}

}  // namespace

Args::Args(const Napi::CallbackInfo& info, const char* fn, size_t min, size_t max) : info_(info), fn_(fn) {
  const size_t n = info.Length();
  if (n < min || n > max) {
    const std::string want = min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    typeError("expected " + want + " arguments, got " + std::to_string(n));
  }
}

std::string Args::label(size_t i, const char* name) const {
  return std::string("argument ") + std::to_string(i + 1) + " (" + name + ")";
}

std::string Args::got(size_t i) const {
  Napi::Value v = info_[i];
  if (v.IsTypedArray()) return typedArrayName(v.As<Napi::TypedArray>().TypedArrayType());
  if (v.IsNumber()) return v.ToString().Utf8Value();
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsArray()) return "Array";
  switch (v.Type()) {
    case napi_boolean: return "boolean";
    case napi_string: return "string";
    case napi_bigint: return "bigint";
    case napi_symbol: return "symbol";
    case napi_function: return "function";
    default: return "object";
  }
}

void Args::typeError(const std::string& what) const {
  fail(Napi::TypeError::New(env(), std::string(fn_) + ": " + what), "NATIVE_BAD_ARGUMENT");
}

void Args::rangeError(const std::string& what) const {
  fail(Napi::RangeError::New(env(), std::string(fn_) + ": " + what), "NATIVE_BAD_LENGTH");
}

double Args::number(size_t i, const char* name) const {
  double d;
  if (napi_get_value_double(env(), info_[i], &d) != napi_ok)
    typeError(label(i, name) + " must be a number, got " + got(i));
  return d;
}

uint64_t Args::integer(size_t i, const char* name, uint64_t lo, uint64_t hi) const {
  const double d = number(i, name);
  // Written so NaN fails too; the bounds are exact doubles (hi <= 2^53).
  if (!(d >= double(lo) && d <= double(hi) && std::floor(d) == d))
    rangeError(label(i, name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
               "], got " + got(i));
  return uint64_t(d);
}

bool Args::boolean(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (!v.IsBoolean()) typeError(label(i, name) + " must be a boolean, got " + got(i));
  return v.As<Napi::Boolean>().Value();
}

bool Args::flag(size_t i, const char* name) const {
  return i < count() && !info_[i].IsUndefined() && boolean(i, name);
}

std::string Args::string(size_t i, const char* name) const {
  Napi::Value v = info_[i];
  if (!v.IsString()) typeError(label(i, name) + " must be a string, got " + got(i));
  return v.As<Napi::String>().Utf8Value();
}

Kind Args::kind(size_t i, const char* name) const {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env(), info_[i], &type, nullptr, nullptr, nullptr, nullptr) == napi_ok) {
    if (type == napi_float64_array) return Kind::F64;
    if (type == napi_float32_array) return Kind::F32;
  }
  typeError(label(i, name) + " must be a Float64Array or Float32Array, got " + got(i));
}

napi_typedarray_type Args::typedArrayType(size_t i, const char* name) const {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env(), info_[i], &type, nullptr, nullptr, nullptr, nullptr) != napi_ok)
    typeError(label(i, name) + " must be a typed array, got " + got(i));
  return type;
}

void Args::exactLength(const char* name, uint64_t got, uint64_t elements, uint64_t width, const char* what) const {
  if (got == elements * width) return;
  std::string want = std::to_string(elements * width) + " (" + what + " = " + std::to_string(elements);
  rangeError(std::string(name) + " must have length " + want + (width == 2 ? " complex elements)" : ")") +
             ", got " + std::to_string(got));
}

void Args::matrixFits(const char* name, uint64_t len, uint64_t width, uint64_t off, const char* offName,
                      uint64_t rows, uint64_t cols, uint64_t ld, const char* ldName) const {
  const uint64_t minLd = cols > 1 ? cols : 1;
  if (ld < minLd)
    rangeError(std::string(ldName) + " must be >= max(1, columns of " + name + ") = " + std::to_string(minLd) +
               ", got " + std::to_string(ld));
  const uint64_t need = rows == 0 || cols == 0 ? off : off + (rows - 1) * ld + cols;
  if (need * width <= len) return;
  const std::string needs = width == 2 ? std::to_string(need * width) + " entries (" + std::to_string(need) +
                                              " complex elements)"
                                        : std::to_string(need) + " elements";
  rangeError(std::string(name) + " is too short: needs " + needs + " for " + offName + " + (rows-1)*" + ldName +
             " + cols with " + offName + "=" + std::to_string(off) + ", rows=" + std::to_string(rows) +
             ", cols=" + std::to_string(cols) + ", " + ldName + "=" + std::to_string(ld) + "; got length " +
             std::to_string(len));
}

}  // namespace gradd
