// The Probot app function: validates configuration, opens the store, starts the worker, and records webhooks.
import type { ApplicationFunctionOptions, Probot } from "probot";
import { loadEnvConfig } from "./config/env.js";
import { createRuntime, pipelineConfigFromEnv, type MooseRuntime } from "./orchestrator/runtime.js";
import { openStore } from "./store/open-store.js";
import { RECORDED_EVENTS } from "./webhooks/route-event.js";

const runtimes = new WeakMap<Probot, MooseRuntime>();

/** The running Moose behind a loaded Probot instance (tests use it to drain the worker and read the store). */
export function mooseRuntimeOf(app: Probot): MooseRuntime | undefined {
  return runtimes.get(app);
}

export default async function mooseApp(app: Probot, _options?: ApplicationFunctionOptions): Promise<void> {
  const env = loadEnvConfig(process.env);
  const pipeline = pipelineConfigFromEnv(env);
  const store = await openStore({
    databaseUrl: env.databaseUrl,
    supabaseUrl: env.supabaseUrl,
    supabaseServiceRoleKey: env.supabaseServiceRoleKey,
    dataDir: env.dataDir,
  });
  const runtime = createRuntime(app, {
    store,
    pipeline,
    leaseMs: env.leaseMs,
    sweepIntervalMs: env.sweepIntervalMs,
    ...(env.workerId ? { workerId: env.workerId } : {}),
  });
  runtimes.set(app, runtime);

  // Handlers only persist the delivery and wake the worker: GitHub gets its answer in milliseconds, and a crash
  // after this point loses nothing because the worker finds the recorded event on its next pass.
  app.on([...RECORDED_EVENTS], async (context) => {
    const payload = context.payload as { action?: string; installation?: { id: number }; repository?: { full_name: string } };
    const { inserted } = await store.recordEvent({
      deliveryId: context.id,
      name: context.name,
      action: payload.action ?? null,
      installationId: payload.installation?.id ?? null,
      repoFullName: payload.repository?.full_name ?? null,
      payload: context.payload,
    });
    context.log.info({ event: `${context.name}.${payload.action}`, duplicate: !inserted }, "webhook recorded");
    if (inserted) runtime.worker.wake();
  });

  runtime.worker.start();
  app.log.info({ store: store.kind, workerId: runtime.services.workerId }, "moose started");
}
