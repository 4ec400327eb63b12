// The element types an array argument can hold: Float64Array / Float32Array as real numbers or, with the
// `complex` flag, as interleaved (re, im) pairs.
#pragma once

#include <complex>
#include <cstdint>

#include "validate.h"

namespace gradd {

template <class T>
struct Element {
  using Real = T;                      // the typed array's element type
  static constexpr uint64_t width = 1;  // array entries per element
};
template <class R>
struct Element<std::complex<R>> {
  using Real = R;
  static constexpr uint64_t width = 2;
};

template <class T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with T = double, float, std::complex<double> or std::complex<float>.
template <class F>
decltype(auto) withElement(Kind kind, bool complex, F&& f) {
  if (kind == Kind::F64) return complex ? f(Tag<std::complex<double>>{}) : f(Tag<double>{});
  return complex ? f(Tag<std::complex<float>>{}) : f(Tag<float>{});
}

// An array argument viewed as T elements; `entries` is the typed array's length (2 per complex element).
template <class T>
struct View {
  T* data;
  uint64_t entries;
};

template <class T>
View<T> view(const Args& args, size_t i, const char* name) {
  auto span = args.array<typename Element<T>::Real>(i, name);
  return {reinterpret_cast<T*>(span.data), span.size};
}

}  // namespace gradd
