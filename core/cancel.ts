// Cooperative cancellation: a long computation (evalGraph, a backward pass) checks between ops whether the
// caller gave up (a server request that was cancelled, disconnected or ran past its deadline).
import { fail } from './errors.js';

export interface AbortFlag { readonly aborted: boolean; readonly reason?: unknown }

let current: AbortFlag | null = null;

/** Runs f; while it runs, `checkAbort()` throws CANCELLED once `signal.aborted` is true. */
export function withSignal<T>(signal: AbortFlag | undefined, f: () => T): T {
  if (!signal) return f();
  const outer = current;
  current = signal;
  try { return f(); } finally { current = outer; }
}

export function checkAbort(): void {
  if (current?.aborted) fail('CANCELLED', `the computation was cancelled${current.reason ? `: ${String(current.reason)}` : ''}`);
}
