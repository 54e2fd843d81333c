// A fake GitHub REST API for tests: one persisted nock interceptor per HTTP method routes every request through a
// table of routes, logs it, and answers unknown routes 404 (listed in `unexpected`). The core owns what every fake
// shares (token exchange, config and contents, permissions, issues and comments, dispatches, runs, check runs and
// annotations); plug-ins add their own routes and state (`loop-github.ts`: in-memory refs and pulls,
// `git-backed-github.ts`: refs and pulls in a real bare repository).
import nock from "nock";
import { runDisplayTitle } from "../../src/runner/runner-contract.js";
import { API, OWNER, REPO, REPO_PATH } from "./github-repo.js";

/** GitHub Actions' App id: CI check runs are made by it. */
export const GITHUB_ACTIONS_APP_ID = 15368;

export interface LoggedRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  query: URLSearchParams;
  body: any;
  authorization: string | null;
  headers: Headers;
}

export type Reply = [status: number, body: unknown];

/**
 * One route: `pattern` is matched against the decoded path relative to the repository (`/issues/7`) when the request
 * is for octo-org/widgets, else against the whole path (`/app/installations`). Plug-in routes are tried first.
 */
export type Route = [method: string, pattern: RegExp, handler: (match: RegExpMatchArray, request: LoggedRequest) => Reply];

export interface DispatchCall {
  workflowFile: string;
  ref: string;
  returnRunDetails: unknown;
  apiVersion: string | undefined;
  inputs: Record<string, string>;
}

/** What a dispatch is answered with: a run id (200 with run details), or an HTTP error status. */
export type DispatchReply = { runId: number } | { status: number; message?: string };

export type Permission = "admin" | "write" | "read" | "none";

export interface FakeGithubOptions {
  /** `.github/moose.yml` on the default branch; null (the default) means the file does not exist. */
  repoConfigYaml?: string | null;
  /** File contents on the default branch, by path; other paths answer 404 (the prompt lists them as missing). */
  files?: Record<string, string>;
  /** Collaborator permission for everyone not in `permissions` (default write). */
  permission?: Permission;
  /** Collaborator permission per login. */
  permissions?: Record<string, Permission>;
  /** Issues as `GET /repos/{o}/{r}/issues/{n}` returns them, by number; others answer 404. */
  issues?: Record<number, unknown>;
  /** Decides each dispatch's reply; by default every dispatch starts a run with the next run id. */
  onDispatch?: (call: DispatchCall, index: number) => DispatchReply;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  /** The latest body: edits replace it. */
  body: string;
}

export interface FakeRun {
  id: number;
  status: string;
  conclusion: string | null;
  display_title: string;
  html_url: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  app: { id: number; slug: string };
  output: { title: string | null; summary: string | null };
  html_url: string;
}

export interface FakeAnnotation {
  path: string;
  start_line: number | null;
  end_line?: number | null;
  annotation_level: string;
  title: string | null;
  message: string;
}

export interface FakeStatus {
  context: string;
  state: string;
  description: string | null;
  target_url: string | null;
}

export interface FakeGithub {
  /** Every request, in order. */
  requests: LoggedRequest[];
  /** Requests no route answered, as "METHOD /path?query". */
  unexpected: string[];
  /** Every request as "METHOD /path" (decoded, without the query). */
  requestLines(): string[];
  /** Requests that changed something (everything but GETs and token exchanges), as "METHOD /path". */
  writes(): string[];
  /** Issues by number; the reconciler lists the open ones by label. */
  issues: Map<number, any>;
  /** Each issue's timeline events, for the reconciler. */
  issueEvents: Map<number, any[]>;
  /** Comments Moose created (or a test seeded), oldest first. */
  comments: FakeComment[];
  /** The latest body of a comment. */
  commentBody(id: number): string | undefined;
  /** Comments on one issue or PR, oldest first. */
  commentsOn(issueNumber: number): Array<{ id: number; body: string }>;
  reactions: Array<{ commentId: number; content: string }>;
  dispatches: DispatchCall[];
  /** Dispatches per work order id. */
  dispatchCounts(): Map<string, number>;
  /** Workflow runs by id (dispatched ones are added automatically); each has one job whose check run is `id + 1`. */
  runs: Map<number, FakeRun>;
  /** Check runs by commit sha. */
  checkRuns: Map<string, FakeCheckRun[]>;
  /** Commit statuses by commit sha; none reads as the "pending" of an Actions-only repository. */
  statuses: Map<string, FakeStatus[]>;
  /** Annotations by check run id (the runner's `moose-result` and CI failures alike); unknown ids have none. */
  annotations: Map<number, FakeAnnotation[]>;
  /** Adds (or replaces, by name) a check run on `sha` carrying `annotations`, and returns it. */
  addCheckRun(sha: string, run: Partial<FakeCheckRun> & Pick<FakeCheckRun, "name">, annotations?: FakeAnnotation[]): FakeCheckRun;
  /** Sets the annotations of run `runId`'s job (its check run `runId + 1`). */
  setRunAnnotations(runId: number, annotations: FakeAnnotation[]): void;
}

/** A plug-in: the state and helpers it adds to the fake (copied onto it) and its routes. */
export type GithubPlugin<T extends object> = (github: FakeGithub) => T & { routes: Route[] };

export const notFound: Reply = [404, { message: "Not Found" }];

// Dispatched runs are numbered apart from everything else, so a run's job check run (`id + 1`) never meets a check
// run or comment id.
let nextRunId = 500_000;
let nextId = 900_000;
/** A fresh id for anything the fake creates. */
export const newId = (): number => ++nextId;

export function fakeGithub(options?: FakeGithubOptions): FakeGithub;
export function fakeGithub<T extends object>(options: FakeGithubOptions, plugin: GithubPlugin<T>): FakeGithub & T;
export function fakeGithub<T extends object>(options: FakeGithubOptions = {}, plugin?: GithubPlugin<T>): FakeGithub {
  const fake: FakeGithub = {
    requests: [],
    unexpected: [],
    requestLines: () => fake.requests.map((r) => `${r.method} ${r.path}`),
    writes: () => fake.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/access_tokens")).map((r) => `${r.method} ${r.path}`),
    issues: new Map(Object.entries(options.issues ?? {}).map(([number, issue]) => [Number(number), issue])),
    issueEvents: new Map(),
    comments: [],
    commentBody: (id) => fake.comments.find((comment) => comment.id === id)?.body,
    commentsOn: (issueNumber) => fake.comments.filter((c) => c.issueNumber === issueNumber).map(({ id, body }) => ({ id, body })),
    reactions: [],
    dispatches: [],
    dispatchCounts() {
      const counts = new Map<string, number>();
      for (const call of fake.dispatches) {
        const id = call.inputs["work-order-id"] ?? "";
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    runs: new Map(),
    checkRuns: new Map(),
    statuses: new Map(),
    annotations: new Map(),
    addCheckRun(sha, run, annotations = []) {
      const id = newId();
      const full: FakeCheckRun = {
        id,
        status: "completed",
        conclusion: "success",
        app: { id: GITHUB_ACTIONS_APP_ID, slug: "github-actions" },
        output: { title: null, summary: null },
        html_url: `https://github.com/${OWNER}/${REPO}/runs/${id}`,
        ...run,
      };
      fake.checkRuns.set(sha, [...(fake.checkRuns.get(sha) ?? []).filter((r) => r.name !== run.name), full]);
      fake.annotations.set(id, annotations);
      return full;
    },
    setRunAnnotations(runId, annotations) {
      fake.annotations.set(runId + 1, annotations);
    },
  };

  const runUrl = (runId: number) => `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}`;
  const core: Route[] = [
    ["POST", /^\/app\/installations\/\d+\/access_tokens$/, () => [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} }]],
    ["GET", /^\/contents\/\.github\/moose\.yml$/, () => (options.repoConfigYaml == null ? notFound : [200, options.repoConfigYaml])],
    // Probot falls back to the owner's `.github` repository, which has no config either.
    ["GET", /^\/repos\/[^/]+\/[^/]+\/contents\/\.github\/moose\.yml$/, () => notFound],
    ["GET", /^\/contents\/(.+)$/, (m) => {
      const content = options.files?.[m[1]!];
      if (content === undefined) return notFound;
      return [200, { type: "file", path: m[1], size: content.length, encoding: "base64", content: Buffer.from(content).toString("base64") }];
    }],
    ["GET", /^\/collaborators\/([^/]+)\/permission$/, (m) => {
      const permission = options.permissions?.[m[1]!] ?? options.permission ?? "write";
      return [200, { permission, role_name: permission, user: { login: m[1] } }];
    }],
    ["GET", /^\/issues$/, (_m, { query }) => {
      const label = query.get("labels")?.toLowerCase();
      return [200, [...fake.issues.values()].filter((i) => i.labels.some((l: { name: string }) => l.name.toLowerCase() === label))];
    }],
    ["GET", /^\/issues\/(\d+)$/, (m) => (fake.issues.has(Number(m[1])) ? [200, fake.issues.get(Number(m[1]))] : notFound)],
    ["GET", /^\/issues\/(\d+)\/events$/, (m) => [200, fake.issueEvents.get(Number(m[1])) ?? []]],
    ["GET", /^\/issues\/(\d+)\/comments$/, (m) => [200, fake.commentsOn(Number(m[1]))]],
    ["POST", /^\/issues\/(\d+)\/comments$/, (m, { body }) => {
      const comment = { id: newId(), issueNumber: Number(m[1]), body: String(body.body) };
      fake.comments.push(comment);
      return [201, { id: comment.id, body: comment.body }];
    }],
    ["PATCH", /^\/issues\/comments\/(\d+)$/, (m, { body }) => {
      const comment = fake.comments.find((c) => c.id === Number(m[1]));
      if (!comment) return notFound;
      comment.body = String(body.body);
      return [200, { id: comment.id, body: comment.body }];
    }],
    ["POST", /^\/issues\/comments\/(\d+)\/reactions$/, (m, { body }) => {
      fake.reactions.push({ commentId: Number(m[1]), content: body.content });
      return [201, { id: newId(), content: body.content }];
    }],
    ["POST", /^\/actions\/workflows\/([^/]+)\/dispatches$/, (m, { body, headers }) => {
      const call: DispatchCall = {
        workflowFile: m[1]!,
        ref: body.ref,
        returnRunDetails: body.return_run_details,
        apiVersion: headers.get("x-github-api-version") ?? undefined,
        inputs: body.inputs,
      };
      fake.dispatches.push(call);
      const reply = options.onDispatch?.(call, fake.dispatches.length - 1) ?? { runId: ++nextRunId };
      if ("status" in reply) return [reply.status, { message: reply.message ?? "error" }];
      const displayTitle = runDisplayTitle(call.inputs["work-order-id"] ?? "", call.inputs.attempt ?? "");
      fake.runs.set(reply.runId, { id: reply.runId, status: "queued", conclusion: null, display_title: displayTitle, html_url: runUrl(reply.runId) });
      return [200, { workflow_run_id: reply.runId, run_url: `${API}${REPO_PATH}/actions/runs/${reply.runId}`, html_url: runUrl(reply.runId) }];
    }],
    ["GET", /^\/actions\/workflows\/[^/]+\/runs$/, () => [200, { total_count: fake.runs.size, workflow_runs: [...fake.runs.values()] }]],
    ["GET", /^\/actions\/runs\/(\d+)$/, (m) => {
      const run = fake.runs.get(Number(m[1]));
      return run ? [200, { ...run, head_branch: "main", pull_requests: [] }] : notFound;
    }],
    ["POST", /^\/actions\/runs\/(\d+)\/cancel$/, () => [202, {}]],
    ["GET", /^\/actions\/runs\/(\d+)\/jobs$/, (m) => {
      const runId = Number(m[1]);
      if (!fake.runs.has(runId)) return notFound;
      const job = { id: runId + 2, run_id: runId, name: "moose", check_run_url: `${API}${REPO_PATH}/check-runs/${runId + 1}` };
      return [200, { total_count: 1, jobs: [job] }];
    }],
    ["GET", /^\/check-runs\/(\d+)\/annotations$/, (m) => [200, fake.annotations.get(Number(m[1])) ?? []]],
    ["GET", /^\/commits\/([^/]+)\/check-runs$/, (m) => {
      const runs = fake.checkRuns.get(m[1]!) ?? [];
      return [200, { total_count: runs.length, check_runs: runs.map((r) => ({ ...r, head_sha: m[1] })) }];
    }],
    ["GET", /^\/commits\/([^/]+)\/status$/, (m) => {
      const statuses = fake.statuses.get(m[1]!) ?? [];
      return [200, { state: statuses.length === 0 ? "pending" : "success", sha: m[1], total_count: statuses.length, statuses }];
    }],
  ];

  const { routes: pluginRoutes = [], ...extension } = plugin?.(fake) ?? {};
  Object.assign(fake, extension);
  const routes = [...pluginRoutes, ...core];

  const route = (request: LoggedRequest, search: string): Reply => {
    const { method, path } = request;
    const relative = path.startsWith(`${REPO_PATH}/`) ? path.slice(REPO_PATH.length) : path;
    for (const [routeMethod, pattern, handler] of routes) {
      const match = routeMethod === method ? relative.match(pattern) : null;
      if (match) return handler(match, request);
    }
    fake.unexpected.push(`${method} ${path}${search}`);
    return [404, { message: "Not Found (no such route in the fake GitHub)" }];
  };

  for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
    // Optional: a test that never uses a method must not fail for its unused interceptor.
    nock(API)
      .persist()
      .intercept(() => true, method)
      .query(true)
      .optionally()
      .reply(async (request: Request) => {
        const url = new URL(request.url);
        const text = await request.text();
        const logged: LoggedRequest = {
          method,
          path: decodeURIComponent(url.pathname),
          query: url.searchParams,
          body: text ? (JSON.parse(text) as unknown) : null,
          authorization: request.headers.get("authorization"),
          headers: request.headers,
        };
        fake.requests.push(logged);
        return route(logged, url.search);
      });
  }
  return fake;
}
