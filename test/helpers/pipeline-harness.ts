// Test harness for the work-order pipeline without the webhook path: runtimes over a given store, seeded projects,
// work orders and spend, and store views that simulate a second instance or a process that died.
import { pino } from "pino";
import { Probot } from "probot";
import { monthKey } from "../../src/manager/budget.js";
import { createRuntime, type MooseRuntime } from "../../src/orchestrator/runtime.js";
import type { PipelineConfig } from "../../src/orchestrator/stage-context.js";
import type { NewWorkOrder, Project, Store, WorkOrder } from "../../src/store/store.js";
import { TestOctokit, loadWebhookFixture, testPrivateKey } from "./github-app.js";
import { testPipeline } from "./pipeline-config.js";

export { testPipeline, testProviders } from "./pipeline-config.js";

export function testProbot(): Probot {
  return new Probot({
    appId: 123,
    privateKey: testPrivateKey(),
    secret: "test-secret",
    log: pino({ level: process.env.MOOSE_TEST_LOG_LEVEL ?? "silent" }),
    Octokit: TestOctokit,
  });
}

export interface TestRuntimeOptions {
  pipeline?: Partial<PipelineConfig>;
  workerId?: string;
  leaseMs?: number;
}

/** One Moose instance (its own Probot and worker) over `store`; the worker runs only when the test drains it. */
export function startTestRuntime(store: Store, options: TestRuntimeOptions = {}): MooseRuntime {
  return createRuntime(testProbot(), {
    store,
    pipeline: testPipeline(options.pipeline),
    leaseMs: options.leaseMs ?? 5_000,
    sweepIntervalMs: 60_000,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
}

/** The project the webhook fixtures belong to (octo-org/widgets, installation 2), as the Director records it. */
export function seedProject(store: Store): Promise<Project> {
  return store.upsertProject({
    installationId: 2,
    githubRepoId: loadWebhookFixture("issues.labeled").repository.id,
    owner: "octo-org",
    repo: "widgets",
    defaultBranch: "main",
  });
}

/** An approved, simple work order for `issueNumber`; `overrides` change any field. */
export async function seedWorkOrder(store: Store, project: Project, issueNumber: number, overrides: Partial<NewWorkOrder> = {}): Promise<WorkOrder> {
  const { workOrder, created } = await store.createWorkOrder({
    projectId: project.id,
    issueNumber,
    title: `Task ${issueNumber}`,
    description: "Make the small change the title describes.",
    acceptanceCriteria: ["it works"],
    filesInScope: ["src/a.ts"],
    riskLevel: "low",
    dependsOn: [],
    status: "approved",
    ...overrides,
  });
  if (!created) throw new Error(`issue ${issueNumber} already has an active work order`);
  return workOrder;
}

/** Records `usd` as already spent this month (a settled reservation with no work order). */
export async function seedSpend(store: Store, usd: number, now = new Date()): Promise<void> {
  const id = await store.reserveBudget({ month: monthKey(now), workOrderId: null, amountUsd: usd, limitUsd: usd + 1 });
  if (!id) throw new Error("seeding spend failed");
  await store.settleBudget(id, usd);
}

function storeView(store: Store, method: (name: PropertyKey, real: (...args: unknown[]) => unknown) => unknown): Store {
  return new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== "function") return value;
      return method(name, (value as (...args: unknown[]) => unknown).bind(target));
    },
  });
}

/** The same store for a second runtime: its `stop()` must not close the connection the first still uses. */
export function sharedStore(store: Store): Store {
  return storeView(store, (name, real) => (name === "close" ? async () => undefined : real));
}

/**
 * A store for a process that is about to die: after `kill()` no call ever answers, so its lease heartbeats stop and
 * its pending writes never land, exactly as when the process is gone. `bury()` (for cleanup) makes later calls fail
 * at once instead, so the dead runtime's code can unwind and clear its timers without ever reaching the database.
 */
export function killableStore(store: Store): { store: Store; kill(): void; bury(): void } {
  let state: "alive" | "killed" | "buried" = "alive";
  return {
    store: storeView(store, (name, real) =>
      name === "close"
        ? async () => undefined
        : (...args: unknown[]) => {
            if (state === "killed") return new Promise(() => undefined);
            if (state === "buried") return Promise.reject(new Error(`store.${String(name)}: this instance is dead`));
            return real(...args);
          },
    ),
    kill: () => {
      state = "killed";
    },
    bury: () => {
      state = "buried";
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
