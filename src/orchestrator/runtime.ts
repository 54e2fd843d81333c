// Assembles one running Moose: the services, the worker and its jobs; the Probot shell only records and wakes.
import { hostname } from "node:os";
import type { Probot } from "probot";
import { routeEvent } from "../webhooks/route-event.js";
import type { Store } from "../store/store.js";
import { createEventJob } from "./event-queue.js";
import type { MooseServices } from "./services.js";
import { Worker } from "./worker.js";

export interface RuntimeOptions {
  store: Store;
  leaseMs: number;
  sweepIntervalMs: number;
  workerId?: string;
  now?: () => Date;
}

export interface MooseRuntime {
  services: MooseServices;
  worker: Worker;
  stop(): Promise<void>;
}

export function createRuntime(app: Probot, options: RuntimeOptions): MooseRuntime {
  const services: MooseServices = {
    store: options.store,
    log: app.log,
    workerId: options.workerId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    leaseMs: options.leaseMs,
    now: options.now ?? (() => new Date()),
    octokitFor: (installationId) => app.auth(installationId),
  };
  const worker = new Worker({
    jobs: [createEventJob(services, (event) => routeEvent(event, services))],
    sweepIntervalMs: options.sweepIntervalMs,
    log: app.log,
  });
  return {
    services,
    worker,
    async stop() {
      await worker.stop();
      await options.store.close();
    },
  };
}
