// adam: autograd's Adam update over flat Float64Arrays, split across OpenBLAS's threads. Compiled for the baseline
// ISA (no FMA to contract into), so it rounds exactly as the same loop in JavaScript (core/optimizers.ts).
#include <cmath>

#include "exports.h"
#include "parallel.h"
#include "validate.h"

namespace gradd {
namespace {

// adam(x, g, m, v, stepSize, b1, b2, eps, c1, c2[, out]): for every i,
//   m = (1 - b1) g + b1 m;  v = (1 - b2) g² + b2 v;  out = x - stepSize (m / c1) / (sqrt(v / c2) + eps)
// with c1 = 1 - b1^(t+1) and c2 = 1 - b2^(t+1) at step t. x, g, m, v, out: one length; m and v are updated in
// place, and so is x when out is not given.
void Adam(const Napi::CallbackInfo& info) {
  Args args(info, "adam", 10, 11);
  const Span<double> x = args.array<double>(0, "x"), g = args.array<double>(1, "g"), m = args.array<double>(2, "m"),
                     v = args.array<double>(3, "v"), out = args.count() > 10 ? args.array<double>(10, "out") : x;
  args.exactLength("g", g.size, x.size, 1, "x.length");
  args.exactLength("m", m.size, x.size, 1, "x.length");
  args.exactLength("v", v.size, x.size, 1, "x.length");
  args.exactLength("out", out.size, x.size, 1, "x.length");
  const double step = args.number(4, "stepSize"), b1 = args.number(5, "b1"), b2 = args.number(6, "b2"),
               eps = args.number(7, "eps"), c1 = args.number(8, "c1"), c2 = args.number(9, "c2");
  // Iteration i reads and writes index i only (out may be x): no dependence between iterations, so the divisions and
  // the square root run two at a time (the compiler cannot prove the arrays apart; divsd was the bottleneck).
  parallelFor(x.size, x.size, 64, [&](size_t b, size_t e) {
    double *xd = x.data, *gd = g.data, *md = m.data, *vd = v.data, *od = out.data;
#pragma GCC ivdep
    for (size_t i = b; i < e; ++i) {
      const double mi = (1 - b1) * gd[i] + b1 * md[i], vi = (1 - b2) * (gd[i] * gd[i]) + b2 * vd[i];
      md[i] = mi;
      vd[i] = vi;
      od[i] = xd[i] - (step * (mi / c1)) / (std::sqrt(vi / c2) + eps);
    }
  });
}

}  // namespace

void registerOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("adam", Napi::Function::New(env, Adam, "adam"));
}

}  // namespace gradd
