// A compute worker thread (piscina): runs server/exec.ts tasks. Tapes made here stay here between tasks.
// A task with an abort flag runs under it: once the main thread sets it, the computation stops at its next
// graph or tape node and answers with the flag's code.
import { workerData } from 'piscina';
import { withSignal } from '../core/cancel.js';
import { ABORT_CODES, type FlaggedTask } from './compute.js';
import { configure, execute, type Outcome } from './exec.js';

configure(workerData.limits);

export default function run(task: FlaggedTask): Outcome {
  const flag = task.abort;
  if (!flag) return execute(task);
  const signal = { get aborted() { return Atomics.load(flag, 0) !== 0; } };
  const o = signal.aborted ? undefined : withSignal(signal, () => execute(task));
  const code = ABORT_CODES[Atomics.load(flag, 0)];
  if (o && (o.ok || !code)) return o;
  return { ok: false, code: code ?? 'CANCELLED', message: code === 'DEADLINE_EXCEEDED' ? 'the computation ran past its deadline and was stopped' : 'the request was cancelled; its computation was stopped' };
}
