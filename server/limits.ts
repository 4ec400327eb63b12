// Every size a client controls, with its default; the wire and graph limits handed to the core.
import type { WireLimits } from '../core/graph/wire.js';
import type { GraphLimits } from '../core/graph/validate.js';

export interface Limits {
  /** One request body (HTTP) or message (gRPC), in bytes. */
  maxRequestBytes: number;
  /** Elements of one tensor, and of a graph's constants together. */
  maxElements: number;
  /** Nodes of a graph, subgraphs included. */
  maxNodes: number;
  /** Subgraph and attribute nesting. */
  maxDepth: number;
  /** Loop iterations of one graph evaluation, all loops together. */
  maxLoopIterations: number;
  maxModelsPerTenant: number;
  maxTapesPerTenant: number;
  /** Estimated bytes of all tapes together; past it the least recently used are evicted. */
  tapeMemoryBytes: number;
  tapeTtlMs: number;
  /** Computations running or queued, all tenants together. */
  maxConcurrent: number;
  /** Per request; a gRPC client's own deadline applies when it is sooner. */
  deadlineMs: number;
  /** Open HTTP connections; past it a connection is answered 503 and closed. */
  maxConnections: number;
  /** Optimization jobs queued or running, per tenant. */
  maxJobsPerTenant: number;
  /** Steps of one job. */
  maxJobSteps: number;
  /** Jobs running at once, all tenants together (each on a thread of its own); the rest wait, queued. */
  maxRunningJobs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxRequestBytes: 64 * 2 ** 20,
  maxElements: 16 * 2 ** 20,
  maxNodes: 100_000,
  maxDepth: 32,
  maxLoopIterations: 10_000_000,
  maxModelsPerTenant: 1000,
  maxTapesPerTenant: 100,
  tapeMemoryBytes: 2 ** 30,
  tapeTtlMs: 10 * 60_000,
  maxConcurrent: 64,
  deadlineMs: 60_000,
  maxConnections: 1000,
  maxJobsPerTenant: 10,
  maxJobSteps: 1_000_000,
  maxRunningJobs: 2,
};

export const wireLimits = (l: Limits): WireLimits => ({ maxElements: l.maxElements, maxNodes: l.maxNodes, maxDepth: l.maxDepth });
export const graphLimits = (l: Limits): GraphLimits => ({ ...wireLimits(l), maxLoopIterations: l.maxLoopIterations });
