// Buffer versions for safe in-place updates: each write in place stamps its buffer with a new global epoch.
// A recorded op remembers the epoch it ran at; its backward rule refuses buffers stamped later.
import { fail } from './errors.js';
import type { NDArray } from './ndarray.js';

let epoch = 0;
const stamps = new WeakMap<ArrayBufferLike, number>();

export const mutationEpoch = () => epoch;
export function stamp(x: NDArray): void { stamps.set(x.data.buffer, ++epoch); }

/** Throws if any of `arrays` was written in place after `since`: the backward pass of `op` would read a new value. */
export function checkUnwritten(op: string, arrays: NDArray[], since: number): void {
  for (const a of arrays)
    if ((stamps.get(a.data.buffer) ?? 0) > since)
      fail('MODIFIED_IN_PLACE', `${op}: an array that ${op} used was modified in place afterwards, and computing the gradient needs its ` +
        'old value. Copy it before modifying (x.copy()), or update functionally with np.at(x).set(index, value)');
}
