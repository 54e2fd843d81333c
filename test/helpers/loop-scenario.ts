// Scenarios after dispatch: Moose through Probot over a cloned PGlite and the in-memory GitHub of `loop-github.ts`,
// work orders seeded as running or with an open PR, and real-shaped webhook payloads aimed at them.
import type { PGliteInterface } from "@electric-sql/pglite";
import { afterAll, afterEach } from "vitest";
import type { PipelineConfig } from "../../src/orchestrator/stage-context.js";
import { workOrderBranchName, workRefFor } from "../../src/runner/runner-contract.js";
import type { NewWorkOrder, Project, Store, WorkOrder } from "../../src/store/store.js";
import { loadWebhookFixture, startTestMoose, type TestMoose } from "./github-app.js";
import { fakeLoopGithub, type FakePull, type LoopGithub, type LoopGithubOptions } from "./loop-github.js";
import { clonedPgliteDatabase } from "./pglite-template.js";
import { seedProject, seedWorkOrder, sharedStore, testPipeline } from "./pipeline-harness.js";

/** Checks are judged as soon as they are complete: no settle window in tests. */
export const NO_SETTLE_YAML = "sentinel:\n  settle_seconds: 0\n";

export interface LoopScenario {
  moose: TestMoose;
  store: Store;
  db: PGliteInterface;
  project: Project;
  github: LoopGithub;
}

let running: TestMoose | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

// Cloning PGlite costs about a second; emptying every table of one clone per test file costs milliseconds.
let database: ReturnType<typeof clonedPgliteDatabase> | undefined;
afterAll(async () => {
  if (database) await (await database).store.close();
  database = undefined;
});

async function emptyDatabase(): Promise<{ store: Store; db: PGliteInterface }> {
  database ??= clonedPgliteDatabase();
  const { store, db } = await database;
  const { rows } = await db.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public' and tablename <> 'schema_migrations'");
  await db.exec(`truncate ${rows.map((row) => `"${row.tablename}"`).join(", ")} cascade`);
  return { store: sharedStore(store), db };
}

export interface LoopScenarioOptions extends LoopGithubOptions {
  env?: Record<string, string | undefined>;
  pipeline?: Partial<PipelineConfig>;
}

/** A started Moose (stopped after the test), its store and database, the seeded project and the fake GitHub. */
export async function loopScenario(options: LoopScenarioOptions = {}): Promise<LoopScenario> {
  const { store, db } = await emptyDatabase();
  const github = fakeLoopGithub({ repoConfigYaml: NO_SETTLE_YAML, ...options });
  const moose = await startTestMoose({ openStore: async () => store, pipeline: () => testPipeline(options.pipeline), ...(options.env ? { env: options.env } : {}) });
  running = moose;
  return { moose, store, db, project: await seedProject(store), github };
}

export const sha = (n: number): string => n.toString(16).padStart(40, "0");

export interface RunningOptions extends Partial<NewWorkOrder> {
  runId?: number | null;
  attempt?: number;
  extraMetadata?: Record<string, unknown>;
}

/** A work order the runner is working on: dispatched as attempt `attempt` with run `runId` (null: reply lost). */
export async function seedRunningWorkOrder(s: LoopScenario, issueNumber: number, options: RunningOptions = {}): Promise<WorkOrder> {
  const { runId = 7001, attempt = 1, extraMetadata = {}, ...fields } = options;
  const seeded = await seedWorkOrder(s.store, s.project, issueNumber, {
    ...fields,
    metadata: {
      model: "claude-haiku-5-5",
      aider_model: "anthropic/claude-haiku-5-5",
      proposal_model: "claude-haiku-5-5",
      complexity: 0.21,
      routing_reason: "complexity 0.21 → claude-haiku-5-5",
      proposal_cost_usd: 0.004,
      approved_by: "maintainer",
      hard_stops: [],
      budget_tier: "normal",
      dispatch: { at: new Date(Date.now() - 60_000).toISOString() },
      ...extraMetadata,
      ...fields.metadata,
    },
  });
  const status = runId === null ? "dispatching" : "running";
  const moved = await s.store.transitionWorkOrder({
    id: seeded.id,
    from: ["approved"],
    to: status,
    patch: { attempt, runId, branch: workOrderBranchName(seeded.id, seeded.title) },
  });
  return moved!;
}

/** The runner's result branch for an attempt, without `refs/heads/`, as the fake GitHub keys refs. */
export function workBranch(workOrder: Pick<WorkOrder, "id">, attempt: number): string {
  return workRefFor(workOrder.id, attempt).replace(/^refs\/heads\//, "");
}

/** A work order whose attempt `attempt` is published: PR open on its branch at `headSha`, waiting for checks. */
export async function seedPrOpenWorkOrder(
  s: LoopScenario,
  issueNumber: number,
  headSha: string,
  options: RunningOptions & { prNumber?: number } = {},
): Promise<{ workOrder: WorkOrder; pull: FakePull }> {
  const { prNumber = 300 + issueNumber, ...rest } = options;
  const running = await seedRunningWorkOrder(s, issueNumber, rest);
  const branch = running.branch!;
  s.github.refs.set(branch, headSha);
  const pull: FakePull = {
    number: prNumber,
    html_url: `https://github.com/octo-org/widgets/pull/${prNumber}`,
    title: `WO: ${running.title}`,
    body: "",
    draft: false,
    state: "open",
    merged: false,
    merged_by: null,
    head: { ref: branch, sha: headSha },
    base: { ref: "main" },
  };
  s.github.pulls.set(prNumber, pull);
  const workOrder = await s.store.transitionWorkOrder({
    id: running.id,
    from: ["running"],
    to: "pr_open",
    patch: { prNumber, prUrl: pull.html_url, metadata: { head_sha: headSha, published_at: new Date(Date.now() - 1_000).toISOString() } },
  });
  return { workOrder: workOrder!, pull };
}

/** `workflow_run.completed` for a Moose runner run (the run name is the fallback correlation). */
export function runnerRunPayload(runId: number, displayTitle: string, conclusion = "success") {
  const payload = loadWebhookFixture("workflow_run.completed");
  Object.assign(payload.workflow_run, { id: runId, display_title: displayTitle, conclusion, html_url: `https://github.com/octo-org/widgets/actions/runs/${runId}` });
  return payload;
}

/** `check_run.completed` on `headSha`; `prNumber` null leaves `pull_requests` empty (as for some events). */
export function checkRunPayload(headSha: string, options: { name?: string; conclusion?: string; prNumber?: number | null; branch?: string } = {}) {
  const payload = loadWebhookFixture("check_run.completed");
  const run = payload.check_run;
  Object.assign(run, { head_sha: headSha, name: options.name ?? "test", conclusion: options.conclusion ?? "success", status: "completed" });
  run.check_suite.head_sha = headSha;
  run.check_suite.head_branch = options.branch ?? null;
  run.pull_requests = options.prNumber == null ? [] : run.pull_requests.map((pr: any) => ({ ...pr, number: options.prNumber, head: { ...pr.head, sha: headSha, ref: options.branch ?? pr.head.ref } }));
  return payload;
}

/** `check_suite.completed` on `headSha` for pull request `prNumber`. */
export function checkSuitePayload(headSha: string, prNumber: number, conclusion = "success") {
  const payload = loadWebhookFixture("check_suite.completed");
  Object.assign(payload.check_suite, { head_sha: headSha, conclusion, status: "completed" });
  payload.check_suite.pull_requests = payload.check_suite.pull_requests.map((pr: any) => ({ ...pr, number: prNumber, head: { ...pr.head, sha: headSha } }));
  return payload;
}

let commentIds = 80_000;

export interface CommentOptions {
  login?: string;
  commentId?: number;
  /** The comment is on a pull request (the issue payload then carries `pull_request`). */
  onPullRequest?: boolean;
  bot?: boolean;
}

/** `issue_comment.created` with `body` on issue (or PR) `number`. */
export function commentPayload(number: number, body: string, options: CommentOptions = {}) {
  const payload = loadWebhookFixture("issue_comment.created");
  const login = options.login ?? "maintainer";
  const user = { ...payload.comment.user, login, type: options.bot ? "Bot" : "User" };
  payload.issue.number = number;
  if (options.onPullRequest) payload.issue.pull_request = { url: `https://api.github.com/repos/octo-org/widgets/pulls/${number}` };
  payload.comment = { ...payload.comment, id: options.commentId ?? ++commentIds, body, user };
  payload.sender = user;
  return payload;
}

/** Rows of a table no Store method reads back (outcome_vectors, github_events). */
export async function sqlRows<Row>(s: Pick<LoopScenario, "db">, text: string, params: unknown[] = []): Promise<Row[]> {
  return (await s.db.query<Row>(text, params)).rows;
}
