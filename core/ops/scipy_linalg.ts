// scipy.linalg: triangular, banded and Sylvester solves and the principal matrix square root, batched over
// leading axes, on LAPACK through the native addon (lapack_extra.cc). Rules are autograd's, in catalog ops.
import { Attrs, defop, Meta, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { DType, floatDtype, isComplex, realDtype, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { asCol, cj, constMatrix, lapack, lapackBatch, matrixAt, mH, mT, rhsOf, squareStack, stackOf, width } from './linalg.js';
import { matmul as mm, mul, neg, reshape, sum } from './prims.js';

const singular = (what: string, x: Meta) => (info: number) =>
  `singular matrix: ${what} of shape ${fmtShape(x.shape)} has a zero pivot at diagonal ${info - 1}`;
/** A solution shaped as the right-hand side b was: a vector b's column form back to a vector. */
const likeB = (b: Meta, x: Value, shape: readonly number[]) => (b.shape.length === 1 ? reshape(x, shape) : x);
const colOf = (b: Meta, v: Value) => (b.shape.length === 1 ? asCol(v) : v);

// ---- solve_triangular ------------------------------------------------------------------------------------------

const TRANS: Record<string, 0 | 1 | 2> = { 0: 0, N: 0, 1: 1, T: 1, 2: 2, C: 2 };
function transCode(trans: unknown): 0 | 1 | 2 {
  const code = TRANS[String(trans)];
  if (code === undefined) fail('BAD_ATTRIBUTE', `scipy.linalg.solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C'; got ${JSON.stringify(trans)}`);
  return code;
}
const solveTri = (a: Value, b: Value, attrs: Attrs) => callOp('scipy.linalg.solve_triangular', [a, b], attrs) as Value;
/** The triangle of a that the solve reads (without the diagonal when it is taken as ones), as a constant mask. */
const usedTriangle = (a: Meta, { lower = false, unit_diagonal = false }: Attrs) =>
  constMatrix(a.shape[a.shape.length - 1], a, (i, j) => +(lower ? (unit_diagonal ? i > j : i >= j) : unit_diagonal ? i < j : i <= j));
/** op(x) for trans code 0, 1, 2: x, xᵀ, xᴴ. */
const op = (x: Value, code: number) => (code === 0 ? x : code === 1 ? mT(x) : mH(x));
/** op(a)⁻ᵀ g: the cotangent of b (conj(a)⁻¹ g for op = ᴴ, as the map is holomorphic in conj(a) there). */
function triVjpB(g: Value, a: Value, b: Meta, attrs: Attrs): Value {
  const code = transCode(attrs.trans ?? 0);
  return likeB(b, solveTri(code === 2 ? cj(a) : a, colOf(b, g), { ...attrs, trans: code === 0 ? 'T' : 'N' }), g.shape);
}

// ---- solve_banded: row r of ab holds the diagonal u − r, A[j + r − u, j] = ab[r, j] ---------------------------------

function bandOf(l_and_u: unknown, ab: Meta): [number, number] {
  if (!Array.isArray(l_and_u) || l_and_u.length !== 2 || !l_and_u.every((v) => Number.isInteger(v) && v >= 0))
    fail('BAD_ATTRIBUTE', `scipy.linalg.solve_banded: l_and_u must be a pair [l, u] of non-negative integers; got ${JSON.stringify(l_and_u)}`);
  const [l, u] = l_and_u as [number, number];
  if (ab.shape.length < 2 || ab.shape[ab.shape.length - 2] !== l + u + 1)
    fail('SHAPE_MISMATCH', `scipy.linalg.solve_banded: ab must have l + u + 1 = ${l + u + 1} rows (shape [..., ${l + u + 1}, n]) for l_and_u [${l}, ${u}]; got shape ${fmtShape(ab.shape)}`);
  return [l, u];
}
const banded = (ab: Value, b: Value, l_and_u: [number, number]) => callOp('scipy.linalg.solve_banded', [ab, b], { l_and_u }) as Value;
const row = (ab: Value, r: number) => callOp('getitem', [ab], { index: ['...', r, { slice: [null, null, null] }] }) as Value;
const stackRows = (rows: Value[]) => callOp('stack', rows, { axis: -2 }) as Value;
/** y[..., i − d, :] at row i, zero where i − d is outside the rows. */
function shifted(y: Value, d: number): Value {
  const n = y.shape[y.shape.length - 2], keep = NDArray.zeros([n, 1], realDtype(floatDtype(y.dtype)));
  for (let i = 0; i < n; i++) keep.data[i] = +(i - d >= 0 && i - d < n);
  return mul(callOp('roll', [y], { shift: d, axis: -2 }) as Value, keep);
}
/** The band of Aᵀ: its row r' is ab's row l + u − r' moved l − r' to the right (wrapping only into unused corners). */
function transposedBand(ab: Value, [l, u]: [number, number]): Value {
  return stackRows([...Array(l + u + 1).keys()].map((r) => callOp('roll', [row(ab, l + u - r)], { shift: l - r, axis: -1 }) as Value));
}

// ---- Ops -------------------------------------------------------------------------------------------------------

const sylvester = (a: Value, b: Value, q: Value) => callOp('scipy.linalg.solve_sylvester', [a, b, q]) as Value;

defop(
  {
    name: 'scipy.linalg.solve_triangular', arity: 2, attrs: ['trans', 'lower', 'unit_diagonal'],
    infer: ([a, b], { trans = 0 }) => {
      transCode(trans);
      const { n } = squareStack('scipy.linalg.solve_triangular', a);
      return { shape: rhsOf('scipy.linalg.solve_triangular', a, b, n).shape, dtype: floatDtype(resultType(a, b)) };
    },
    forward: ([a, b], { trans = 0, lower = false, unit_diagonal = false }, out: Meta) => {
      const n = a.shape[a.ndim - 1], { vector, batch, nrhs } = rhsOf('scipy.linalg.solve_triangular', a, b, n);
      const w = width(out.dtype), A = stackOf(a, batch, 2, out.dtype), B = stackOf(b, batch, vector ? 1 : 2, out.dtype);
      return lapackBatch('scipy.linalg.solve_triangular', batch, [[out.dtype, out.shape.slice(batch.length)]], singular('a', a), (k, [x]) =>
        lapack().solveTriangular(matrixAt(A, n * n * w, k), matrixAt(B, n * nrhs * w, k), n, nrhs, !!lower, transCode(trans), !!unit_diagonal, x, isComplex(out.dtype)))[0];
    },
    // With M = op(a): the cotangent of M is −v xᵀ for v = M⁻ᵀ g, carried back through op and masked to the
    // triangle the solve reads (the rest of a is never used).
    vjp: [
      (g, ans, [a, b], attrs) => {
        const code = transCode(attrs.trans ?? 0), v = colOf(b, triVjpB(g, a, b, attrs)), x = colOf(b, ans);
        const gm = code === 0 ? mm(v, mT(x)) : code === 1 ? mm(x, mT(v)) : cj(mm(x, mT(v)));
        return neg(mul(gm, usedTriangle(a, attrs)));
      },
      (g, _ans, [a, b], attrs) => triVjpB(g, a, b, attrs),
    ],
    jvp: [
      (t, ans, [a, b], attrs) => {
        const dm = op(mul(t, usedTriangle(a, attrs)), transCode(attrs.trans ?? 0));
        return likeB(b, neg(solveTri(a, mm(dm, colOf(b, ans)), attrs)), ans.shape);
      },
      (t, _ans, [a], attrs) => solveTri(a, t, attrs),
    ],
  },
  {
    name: 'scipy.linalg.solve_banded', arity: 2, attrs: ['l_and_u'],
    npStyle: (call) => (l_and_u: unknown, ab: unknown, b: unknown) => call([ab, b], { l_and_u }),
    infer: ([ab, b], { l_and_u }) => {
      bandOf(l_and_u, ab);
      const n = ab.shape[ab.shape.length - 1];
      return { shape: rhsOf('scipy.linalg.solve_banded', ab, b, n).shape, dtype: floatDtype(resultType(ab, b)) };
    },
    forward: ([ab, b], { l_and_u }, out: Meta) => {
      const [l, u] = bandOf(l_and_u, ab), n = ab.shape[ab.ndim - 1], { vector, batch, nrhs } = rhsOf('scipy.linalg.solve_banded', ab, b, n);
      const w = width(out.dtype), AB = stackOf(ab, batch, 2, out.dtype), B = stackOf(b, batch, vector ? 1 : 2, out.dtype);
      return lapackBatch('scipy.linalg.solve_banded', batch, [[out.dtype, out.shape.slice(batch.length)]], singular('the band matrix ab', ab), (k, [x]) =>
        lapack().solveBanded(matrixAt(AB, (l + u + 1) * n * w, k), matrixAt(B, n * nrhs * w, k), n, l, u, nrhs, x, isComplex(out.dtype)))[0];
    },
    vjp: [
      (g, ans, [ab, b], { l_and_u }) => {
        // v = A⁻ᵀ g; the cotangent of A is −v xᵀ, kept on the band: ab[r, j] gets −Σ_k v[j + r − u, k] x[j, k].
        const [l, u] = bandOf(l_and_u, ab), x = colOf(b, ans);
        const v = banded(transposedBand(ab, [l, u]), colOf(b, g), [u, l]);
        return neg(stackRows([...Array(l + u + 1).keys()].map((r) => sum(mul(shifted(v, u - r), x), -1))));
      },
      (g, _ans, [ab, b], { l_and_u }) => {
        const [l, u] = bandOf(l_and_u, ab);
        return likeB(b, banded(transposedBand(ab, [l, u]), colOf(b, g), [u, l]), g.shape);
      },
    ],
    jvp: [
      (t, ans, [ab, b], { l_and_u }) => {
        // (dA x)[i] = Σ_r dab[r, i − (r − u)] x[i − (r − u)].
        const [l, u] = bandOf(l_and_u, ab), x = colOf(b, ans);
        const dax = [...Array(l + u + 1).keys()].map((r) => shifted(mul(asCol(row(t, r)), x), r - u)).reduce((p, q) => callOp('add', [p, q]) as Value);
        return likeB(b, neg(banded(ab, dax, [l, u])), ans.shape);
      },
      (t, _ans, [ab], { l_and_u }) => banded(ab, t, bandOf(l_and_u, ab)),
    ],
  },
  {
    name: 'scipy.linalg.solve_sylvester', arity: 3,
    infer: ([a, b, q]) => {
      const { n: m } = squareStack('scipy.linalg.solve_sylvester', a), { n } = squareStack('scipy.linalg.solve_sylvester', b, 'b');
      if (q.shape.length < 2 || q.shape[q.shape.length - 2] !== m || q.shape[q.shape.length - 1] !== n)
        fail('SHAPE_MISMATCH', `scipy.linalg.solve_sylvester: q must be [..., ${m}, ${n}] for a of shape ${fmtShape(a.shape)} and b of shape ${fmtShape(b.shape)}; got shape ${fmtShape(q.shape)}`);
      const batch = broadcastShapes('scipy.linalg.solve_sylvester', a.shape.slice(0, -2), b.shape.slice(0, -2), q.shape.slice(0, -2));
      return { shape: [...batch, m, n], dtype: floatDtype(resultType(a, b, q)) };
    },
    forward: ([a, b, q], _attrs, out: Meta) => {
      const m = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1], batch = out.shape.slice(0, -2), w = width(out.dtype);
      const [A, B, Q] = [a, b, q].map((x) => stackOf(x, batch, 2, out.dtype));
      return lapackBatch('scipy.linalg.solve_sylvester', batch, [[out.dtype, [m, n]]], () => 'the Schur decomposition did not converge', (k, [x]) =>
        lapack().sylvester(matrixAt(A, m * m * w, k), matrixAt(B, n * n * w, k), matrixAt(Q, m * n * w, k), m, n, x, isComplex(out.dtype)))[0];
    },
    vjp: [
      (g, ans, [a, b]) => neg(mm(sylvester(mT(a), mT(b), g), mT(ans))),
      (g, ans, [a, b]) => neg(mm(mT(ans), sylvester(mT(a), mT(b), g))),
      (g, _ans, [a, b]) => sylvester(mT(a), mT(b), g),
    ],
    jvp: [
      (t, ans, [a, b]) => sylvester(a, b, neg(mm(t, ans))),
      (t, ans, [a, b]) => sylvester(a, b, neg(mm(ans, t))),
      (t, _ans, [a, b]) => sylvester(a, b, t),
    ],
  },
  {
    name: 'scipy.linalg.sqrtm', arity: 1,
    doc: "Static rule (graphs): the input's float dtype. At run time a real input with a negative real eigenvalue has a complex principal root, and the result is complex128 (SciPy).",
    infer: ([a]) => ({ shape: a.shape, dtype: squareStack('scipy.linalg.sqrtm', a).dtype }),
    forward: ([a]) => {
      const { n, batch, dtype } = squareStack('scipy.linalg.sqrtm', a);
      const root = (d: DType) => {
        const A = stackOf(a, batch, 2, d), per = n * n * width(d);
        let complexRoot = false;
        const [x] = lapackBatch('scipy.linalg.sqrtm', batch, [[d, [n, n]]], () => `the Schur decomposition of the input of shape ${fmtShape(a.shape)} did not converge`, (k, [o]) => {
          if (complexRoot) return 0;
          const info = lapack().sqrtm(matrixAt(A, per, k), n, o, isComplex(d));
          complexRoot = info === n + 1;
          return complexRoot ? 0 : info;
        });
        return complexRoot ? undefined : x;
      };
      return root(dtype) ?? root('complex128')!;
    },
    // X² = A: X dX + dX X = dA, a Sylvester equation.
    vjp: (g, ans) => sylvester(mT(ans), mT(ans), g),
    jvp: (t, ans) => sylvester(ans, ans, t),
  },
);
