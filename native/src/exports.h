// Each file registers its exports on the addon object.
#pragma once

#include <napi.h>

namespace gradd {

void registerElementwise(Napi::Env env, Napi::Object exports);  // elementwise.cc
void registerReduce(Napi::Env env, Napi::Object exports);       // reduce.cc
void registerMixed(Napi::Env env, Napi::Object exports);        // mixed.cc
void registerOptim(Napi::Env env, Napi::Object exports);        // optim.cc
void tuneMalloc();                                              // malloc.cc, once at load
void registerBlas(Napi::Env env, Napi::Object exports);         // blas.cc
void registerLapack(Napi::Env env, Napi::Object exports);       // lapack.cc
void registerLapackExtra(Napi::Env env, Napi::Object exports);  // lapack_extra.cc

}  // namespace gradd
