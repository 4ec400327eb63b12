// Prometheus metrics (prom-client), on a registry of the server's own.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gradd_requests_total', help: 'Requests by transport, RPC and status (gRPC status names for both transports)',
    labelNames: ['transport', 'rpc', 'status'] as const, registers: [this.registry],
    // The latency histogram counts every request: read when scraped, rather than counted twice per request.
    collect: async () => {
      this.requests.reset();
      for (const v of (await this.latency.get()).values)
        if (v.metricName === 'gradd_request_duration_seconds_count') this.requests.inc(v.labels as Record<'transport' | 'rpc' | 'status', string>, v.value);
    },
  });
  readonly latency = new Histogram({
    name: 'gradd_request_duration_seconds', help: 'Request latency by transport, RPC and status',
    labelNames: ['transport', 'rpc', 'status'] as const, registers: [this.registry],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  readonly tapes = new Gauge({ name: 'gradd_tapes', help: 'Tapes held', registers: [this.registry] });
  readonly tapeBytes = new Gauge({ name: 'gradd_tape_bytes', help: 'Estimated bytes held by tapes', registers: [this.registry] });
  /** Read when scraped (server/compute.ts sets it). */
  computationsRunning = () => 0;
  readonly computations: Gauge = new Gauge({
    name: 'gradd_computations_running', help: 'Computations running or queued', registers: [this.registry],
    collect: (): void => this.computations.set(this.computationsRunning()),
  });
  readonly jobs = new Gauge({ name: 'gradd_jobs_running', help: 'Optimization jobs running', registers: [this.registry] });
  readonly jobsQueued = new Gauge({ name: 'gradd_jobs_queued', help: 'Optimization jobs waiting for a thread', registers: [this.registry] });
  readonly jobsEnded = new Counter({ name: 'gradd_jobs_ended_total', help: 'Optimization jobs ended, by final state', labelNames: ['state'] as const, registers: [this.registry] });
  readonly jobSteps = new Counter({ name: 'gradd_job_steps_total', help: 'Optimization steps done, all jobs', registers: [this.registry] });
  readonly models = new Gauge({ name: 'gradd_models', help: 'Registered models, all tenants', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gradd_' });
  }

  /** Counts one finished request. */
  observe(transport: 'http' | 'grpc', rpc: string, status: string, seconds: number): void {
    this.latency.observe({ transport, rpc, status }, seconds);
  }
}
