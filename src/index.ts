// The Probot app function: validates configuration, opens the store, starts the worker, and records webhooks.
import type { ApplicationFunctionOptions, Probot } from "probot";
import { loadEnvConfig, type EnvConfig } from "./config/env.js";
import { createRuntime, pipelineConfigFromEnv, type MooseRuntime } from "./orchestrator/runtime.js";
import type { PipelineConfig } from "./orchestrator/stage-context.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { RECORDED_EVENTS } from "./webhooks/route-event.js";

const runtimes = new WeakMap<Probot, MooseRuntime>();

/** The running Moose behind a loaded Probot instance (tests use it to drain the worker and read the store). */
export function mooseRuntimeOf(app: Probot): MooseRuntime | undefined {
  return runtimes.get(app);
}

/**
 * The idempotency key a delivery is recorded under: GitHub's delivery id, except that a comment is keyed by its own
 * id, so one `/moose` command acts once however many deliveries carry it (redelivery, replays by hand).
 */
export function eventKey(deliveryId: string, name: string, payload: unknown): string {
  const comment = (payload as { comment?: { id?: unknown }; action?: unknown }).comment;
  if (name === "issue_comment" && typeof comment?.id === "number") {
    return `issue_comment:${comment.id}:${String((payload as { action?: unknown }).action)}`;
  }
  return deliveryId;
}

export interface MooseAppOptions {
  /** Opens the store; by default the one the environment names (PostgreSQL, Supabase or PGlite). */
  openStore?: (env: EnvConfig) => Promise<Store>;
  /** Adjusts the pipeline read from the environment (tests inject fetch-level fakes this way). */
  pipeline?: (pipeline: PipelineConfig) => PipelineConfig;
}

/** Builds the Probot app function; the default export is this with everything read from the environment. */
export function createMooseApp(options: MooseAppOptions = {}) {
  return async function mooseApp(app: Probot, _options?: ApplicationFunctionOptions): Promise<void> {
    const env = loadEnvConfig(process.env);
    const fromEnv = pipelineConfigFromEnv(env);
    const pipeline = options.pipeline ? options.pipeline(fromEnv) : fromEnv;
    const store = await (options.openStore ?? storeFromEnv)(env);
    await startMoose(app, env, store, pipeline);
  };
}

function storeFromEnv(env: EnvConfig): Promise<Store> {
  return openStore({
    databaseUrl: env.databaseUrl,
    supabaseUrl: env.supabaseUrl,
    supabaseServiceRoleKey: env.supabaseServiceRoleKey,
    dataDir: env.dataDir,
  });
}

export default createMooseApp();

async function startMoose(app: Probot, env: EnvConfig, store: Store, pipeline: PipelineConfig): Promise<void> {
  const runtime = createRuntime(app, {
    store,
    pipeline,
    leaseMs: env.leaseMs,
    sweepIntervalMs: env.sweepIntervalMs,
    reconcileIntervalMs: env.reconcileIntervalMs,
    ...(env.workerId ? { workerId: env.workerId } : {}),
    ...(env.appId ? { appId: env.appId } : {}),
  });
  runtimes.set(app, runtime);

  // Handlers only persist the delivery and wake the worker: GitHub gets its answer in milliseconds, and a crash
  // after this point loses nothing because the worker finds the recorded event on its next pass.
  app.on([...RECORDED_EVENTS], async (context) => {
    const payload = context.payload as { action?: string; installation?: { id: number }; repository?: { full_name: string } };
    const { inserted } = await store.recordEvent({
      deliveryId: eventKey(context.id, context.name, context.payload),
      name: context.name,
      action: payload.action ?? null,
      installationId: payload.installation?.id ?? null,
      repoFullName: payload.repository?.full_name ?? null,
      payload: context.payload,
    });
    context.log.info({ event: `${context.name}.${payload.action}`, delivery: context.id, duplicate: !inserted }, "webhook recorded");
    if (inserted) runtime.worker.wake();
  });

  runtime.worker.start();
  app.log.info({ store: store.kind, workerId: runtime.services.workerId }, "moose started");
}
