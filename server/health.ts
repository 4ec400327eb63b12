// Liveness and readiness, for grpc.health.v1 (per service, with Watch) and KServe v2's /v2/health routes.
import { EventEmitter } from 'node:events';
import { HealthCheckResponse_ServingStatus as Status } from '../core/graph/gen/grpc/health/v1/health_pb.js';

export { Status };

/** The services grpc.health.v1 knows; "" is the server as a whole. */
export const HEALTH_SERVICES = ['', 'gradd.v1.Gradient', 'gradd.v1.Jobs', 'inference.GRPCInferenceService'];

export class Health extends EventEmitter<{ change: [] }> {
  private serving = true;

  /** Live: the process answers. Ready: it takes new work (false while draining). */
  get ready(): boolean { return this.serving; }

  setServing(serving: boolean): void {
    if (serving === this.serving) return;
    this.serving = serving;
    this.emit('change');
  }

  /** The status of a service, or undefined when the service is unknown. */
  status(service: string): Status | undefined {
    if (!HEALTH_SERVICES.includes(service)) return undefined;
    return this.serving ? Status.SERVING : Status.NOT_SERVING;
  }
}
