// Storage reuse in first-order backward passes. A pass's big cotangents are temporaries that die as soon as the next
// node is processed, yet each new one costs an allocation, its page faults, and a share of the full garbage
// collections V8 runs per 64 MB of new external memory (W5 allocated 80 MB a gradient, 48 of them cotangents). So a
// pass counts the node slots holding each buffer that core/kernels.ts's `output` handed out while it ran: a buffer
// no slot holds any more goes back to `output`, which hands it out again before allocating, and a sum into a slot
// that alone holds its buffer is written in place. Only such buffers: nothing outside the pass has seen them, except
// the VJPs of user primitives (which may keep what they get or return), so cotangents there are never reused; and a
// traced cotangent (a higher-order pass records what it computes) stops all reuse for the rest of the pass.
// Dead buffers stay on offer after the pass, for the next call's forward pass, until the event loop next turns (a
// training loop reuses them from step to step; nothing is kept once the program yields), SPARE_BYTES at most.
import { isCatalogOp, type OpDef, type Value } from './catalog.js';
import { NDArray } from './ndarray.js';
import { nativeKernels } from './native.js';
import { Tensorish } from './tensorish.js';

/** Buffers `output` handed out since the innermost running pass began (null until the first). */
let fresh: Set<ArrayBuffer> | null = null;
let passes = 0;
/** Dead buffers by byte length, the length offered last at the end; their bytes together; the timer that drops them
 * all when the event loop turns. */
const spare = new Map<number, ArrayBuffer[]>();
let spareBytes = 0, dropping: ReturnType<typeof setTimeout> | undefined;
const SPARE_BYTES = 128 << 20;

/** For `output`: a dead buffer of this many bytes, if there is one. */
export function spareBuffer(bytes: number): ArrayBuffer | undefined {
  const list = spare.get(bytes), b = list?.pop();
  if (!b) return undefined;
  spareBytes -= bytes;
  if (!list!.length) spare.delete(bytes);
  return b;
}

/** Puts b on offer, dropping the lengths offered longest ago while the offer would exceed SPARE_BYTES. */
function offer(b: ArrayBuffer): void {
  const n = b.byteLength;
  if (n > SPARE_BYTES) return;
  while (spareBytes + n > SPARE_BYTES) {
    const [k, old] = spare.entries().next().value!;
    spareBytes -= k * old.length;
    spare.delete(k);
  }
  const list = spare.get(n) ?? [];
  spare.delete(n);
  spare.set(n, list);
  list.push(b);
  spareBytes += n;
  if (!dropping) {
    dropping = setTimeout(() => { spare.clear(); spareBytes = 0; dropping = undefined; }, 0);
    dropping.unref?.();
  }
}

/** For `output`: notes a buffer it handed out (a pass may reuse it). */
export function noteOutput(b: ArrayBuffer): void {
  if (passes) (fresh ??= new Set()).add(b);
}

const PINNED = Infinity;

/** One backward pass's bookkeeping; `close` it when the pass ends, however it ends. */
export class Reuse {
  readonly #outer = fresh;
  /** Node slots holding each of the pass's buffers (PINNED: never reused). */
  #holds: Map<ArrayBuffer, number> | null = null;
  #off = false;

  constructor() {
    fresh = null;
    passes++;
  }

  close(): void {
    fresh = this.#outer;
    passes--;
  }

  /** The storage of v if this pass made it and reuse is still on; a traced v turns reuse off. */
  #own(v: unknown): ArrayBuffer | undefined {
    if (!(v instanceof NDArray)) {
      if (v instanceof Tensorish) this.#off = true;
      return undefined;
    }
    if (this.#off || fresh === null) return undefined;
    const b = v.data.buffer as ArrayBuffer;
    return fresh.has(b) ? b : undefined;
  }

  #add(b: ArrayBuffer, n: number): void {
    const h = (this.#holds ??= new Map());
    h.set(b, (h.get(b) ?? 0) + n);
  }

  #free(b: ArrayBuffer): void {
    if (this.#off) return;
    this.#holds?.delete(b);
    fresh!.delete(b);
    offer(b);
  }

  /**
   * The slot value old + gk (gk alone when old is undefined), where gk is the cotangent `op`'s VJP gave: summed into
   * old's storage when that slot alone holds it; old's storage, and gk's when no slot holds it, freed otherwise.
   */
  accumulate(old: Value | undefined, gk: Value, op: OpDef, add: (a: Value, b: Value) => Value): Value {
    const bk = this.#own(gk);
    if (bk && !isCatalogOp(op)) this.#add(bk, PINNED);
    if (old === undefined) {
      if (bk) this.#add(bk, 1);
      return gk;
    }
    const bo = this.#own(old);
    let sum: Value;
    if (bo && bo !== bk && this.#holds?.get(bo) === 1 && addInto(old as NDArray, gk)) sum = old;
    else {
      sum = add(old, gk);
      if (bo) this.#drop(bo);
      const bs = this.#own(sum);
      if (bs) this.#add(bs, 1);
    }
    if (bk && !this.#holds?.has(bk)) this.#free(bk);
    return sum;
  }

  /** A node's slot lets go of v, the cotangent `op`'s VJP was given (a user primitive's keeps it pinned). */
  release(v: Value, op: OpDef): void {
    const b = this.#own(v);
    if (b && isCatalogOp(op)) this.#drop(b);
  }

  /** One slot fewer holds b; freed when none does. */
  #drop(b: ArrayBuffer): void {
    const n = (this.#holds?.get(b) ?? 1) - 1;
    if (n > 0) this.#holds!.set(b, n);
    else this.#free(b);
  }

  /** Keeps v's storage from reuse for the rest of the pass (a multi-output node's cotangents, held in a list). */
  pin(v: Value): void {
    const b = this.#own(v);
    if (b) this.#add(b, PINNED);
  }
}

/** a += b in a's own storage, for arrays of one float dtype and shape with a contiguous from index 0; else false. */
function addInto(a: NDArray, b: Value): boolean {
  if (!(b instanceof NDArray) || a.dtype !== b.dtype || (a.dtype !== 'float64' && a.dtype !== 'float32') || a.weak || b.weak) return false;
  if (a.offset !== 0 || a.data.length !== a.size || !a.isContiguous || !b.isContiguous || a.shape.length !== b.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) if (a.shape[i] !== b.shape[i]) return false;
  const av = a.data, bv = b.values();
  if (!nativeKernels.binary('add', av, bv, av)) for (let i = 0; i < av.length; i++) av[i] += bv[i];
  return true;
}
