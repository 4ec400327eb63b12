// Argument checks run before any memory is touched. Failures throw (C++ exceptions, surfaced to JS by
// node-addon-api) a TypeError with code NATIVE_BAD_ARGUMENT (wrong argument count or JS type) or a
// RangeError with code NATIVE_BAD_LENGTH (a number out of range, a length that disagrees with the dims).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace gradd {

constexpr uint64_t kMaxDim = INT32_MAX;            // BLAS/LAPACK take 32-bit ints
constexpr uint64_t kMaxIndex = (1ULL << 53) - 1;   // largest exact JS integer

enum class Kind { F64, F32 };

template <class T>
struct Span {
  T* data;
  size_t size;  // in T elements
};

class Args {
 public:
  // Checks min <= info.Length() <= max.
  Args(const Napi::CallbackInfo& info, const char* fn, size_t min, size_t max);

  Napi::Env env() const { return info_.Env(); }
  size_t count() const { return info_.Length(); }

  // An integer in [lo, hi] (a JS number; NaN, infinities and fractions are rejected).
  uint64_t integer(size_t i, const char* name, uint64_t lo, uint64_t hi) const;
  uint64_t dim(size_t i, const char* name) const { return integer(i, name, 0, kMaxDim); }
  uint64_t offset(size_t i, const char* name) const { return integer(i, name, 0, kMaxIndex); }
  double number(size_t i, const char* name) const;
  bool boolean(size_t i, const char* name) const;
  // Optional trailing boolean: false when absent or undefined.
  bool flag(size_t i, const char* name) const;
  std::string string(size_t i, const char* name) const;

  // Float64Array -> F64, Float32Array -> F32; anything else throws.
  Kind kind(size_t i, const char* name) const;
  // The typed-array type of argument i; anything but a typed array throws.
  napi_typedarray_type typedArrayType(size_t i, const char* name) const;
  // A typed array of exactly T's kind (double: Float64Array, float: Float32Array, int32_t: Int32Array,
  // uint8_t: Uint8Array).
  template <class T>
  Span<T> array(size_t i, const char* name) const;

  // Lengths are in array entries; `width` is 2 for complex arrays (re,im pairs), else 1.
  // RangeError unless the array has exactly `elements` * width entries; `what` is the formula ("n*n").
  void exactLength(const char* name, uint64_t got, uint64_t elements, uint64_t width, const char* what) const;
  // Checks that a rows x cols row-major matrix with leading dimension ld, starting at element off, fits
  // in an array of `len` entries: ld >= max(1, cols), off <= len and off + (rows-1)*ld + cols <= len.
  // Overflow-free: dims and ld are <= 2^31, off <= 2^53, so every intermediate fits in 64 bits.
  void matrixFits(const char* name, uint64_t len, uint64_t width, uint64_t off, const char* offName, uint64_t rows,
                  uint64_t cols, uint64_t ld, const char* ldName) const;

  [[noreturn]] void typeError(const std::string& what) const;
  [[noreturn]] void rangeError(const std::string& what) const;

 private:
  const Napi::CallbackInfo& info_;
  const char* fn_;
  std::string label(size_t i, const char* name) const;
  std::string got(size_t i) const;
  template <class T>
  Span<T> typed(size_t i, const char* name, napi_typedarray_type type, const char* typeName) const;
};

template <class T>
Span<T> Args::typed(size_t i, const char* name, napi_typedarray_type type, const char* typeName) const {
  // One N-API call: fails (napi_invalid_arg) for anything but a typed array.
  napi_typedarray_type actual;
  size_t length;
  void* data;
  if (napi_get_typedarray_info(env(), info_[i], &actual, &length, &data, nullptr, nullptr) != napi_ok ||
      actual != type)
    typeError(label(i, name) + " must be a " + typeName + ", got " + got(i));
  return {static_cast<T*>(data), length};
}

template <>
inline Span<double> Args::array(size_t i, const char* name) const {
  return typed<double>(i, name, napi_float64_array, "Float64Array");
}
template <>
inline Span<float> Args::array(size_t i, const char* name) const {
  return typed<float>(i, name, napi_float32_array, "Float32Array");
}
template <>
inline Span<int32_t> Args::array(size_t i, const char* name) const {
  return typed<int32_t>(i, name, napi_int32_array, "Int32Array");
}
template <>
inline Span<uint8_t> Args::array(size_t i, const char* name) const {
  return typed<uint8_t>(i, name, napi_uint8_array, "Uint8Array");
}

}  // namespace gradd
