// Assembles one running Moose: the services, the worker and its jobs; the Probot shell only records and wakes.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Probot } from "probot";
import type { EnvConfig } from "../config/env.js";
import { loadModelCatalog } from "../manager/model-catalog.js";
import { createProviderClients } from "../proposer/providers.js";
import type { Store } from "../store/store.js";
import { createReconcilerJob } from "../reconciler/reconciler.js";
import { routeEvent } from "../webhooks/route-event.js";
import { createEventJob } from "./event-queue.js";
import type { MooseServices } from "./services.js";
import type { PipelineConfig } from "./stage-context.js";
import { createPipelineJob } from "./work-order-pipeline.js";
import { Worker } from "./worker.js";

export interface RuntimeOptions {
  store: Store;
  leaseMs: number;
  sweepIntervalMs: number;
  pipeline: PipelineConfig;
  /** How often the reconciler runs; 0 or absent turns it off. */
  reconcileIntervalMs?: number;
  workerId?: string;
  now?: () => Date;
  appId?: number;
}

export interface MooseRuntime {
  services: MooseServices;
  pipeline: PipelineConfig;
  worker: Worker;
  stop(): Promise<void>;
}

/** Aider's default wall-clock limit on the runner, as the action's own default. */
const RUNNER_TIMEOUT_MINUTES = 5;

/** The pipeline's configuration from the environment; a bad models file stops the start like any bad variable. */
export function pipelineConfigFromEnv(env: EnvConfig): PipelineConfig {
  let catalogSource: unknown = undefined;
  if (env.modelsFile) {
    try {
      catalogSource = JSON.parse(readFileSync(env.modelsFile, "utf8"));
    } catch (error) {
      throw new Error(`MOOSE_MODELS_FILE (${env.modelsFile}) cannot be read as JSON: ${(error as Error).message}`);
    }
  }
  return {
    catalog: loadModelCatalog(catalogSource),
    limits: { softUsd: env.budgetSoftUsd, hardUsd: env.budgetHardUsd, emergencyUsd: env.budgetEmergencyUsd },
    providers: createProviderClients({
      anthropicApiKey: env.anthropicApiKey,
      openaiApiKey: env.openaiApiKey,
      openaiBaseUrl: env.openaiBaseUrl,
    }),
    maxConcurrency: env.maxConcurrency,
    recheckMs: env.sweepIntervalMs,
    runnerTimeoutMinutes: RUNNER_TIMEOUT_MINUTES,
  };
}

export function createRuntime(app: Probot, options: RuntimeOptions): MooseRuntime {
  const services: MooseServices = {
    store: options.store,
    log: app.log,
    workerId: options.workerId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    leaseMs: options.leaseMs,
    now: options.now ?? (() => new Date()),
    octokitFor: (installationId) => app.auth(installationId),
    appOctokit: () => app.auth(),
    appId: options.appId ?? null,
  };
  const worker = new Worker({
    jobs: [
      createEventJob(services, (event) => routeEvent(event, services, options.pipeline)),
      createPipelineJob(services, options.pipeline),
      ...(options.reconcileIntervalMs ? [createReconcilerJob(services, options.pipeline, options.reconcileIntervalMs)] : []),
    ],
    sweepIntervalMs: options.sweepIntervalMs,
    log: app.log,
  });
  return {
    services,
    pipeline: options.pipeline,
    worker,
    async stop() {
      await worker.stop();
      await options.store.close();
    },
  };
}
