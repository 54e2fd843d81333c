// A fake GitHub for the tests that close the loop (publish, Sentinel, endings, reconciler, commands): branches, pull
// requests, check runs, statuses, runner runs and their annotations held in memory, every request logged, and
// routes it does not know answered 404 and listed in `unexpected`.
import nock from "nock";
import { RESULT_ANNOTATION_TITLE, type RunnerResult } from "../../src/publisher/runner-result.js";
import { runDisplayTitle } from "../../src/runner/runner-contract.js";
import { API, loadWebhookFixture } from "./github-app.js";

export interface LoggedRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  query: URLSearchParams;
  body: any;
  authorization: string | null;
}

export interface FakePull {
  number: number;
  html_url: string;
  title: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  merged_by: { login: string } | null;
  head: { ref: string; sha: string };
  base: { ref: string };
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

export interface FakeCompare {
  status: string;
  ahead_by: number;
  behind_by: number;
  files: Array<{ filename: string; status: string; additions: number; deletions: number; previous_filename?: string }>;
}

export interface LoopGithubOptions {
  /** `.github/moose.yml` on the default branch; null means there is none. */
  repoConfigYaml?: string | null;
  /** Collaborator permission per login; anyone not listed has `write`. */
  permissions?: Record<string, "admin" | "write" | "read" | "none">;
  /** File contents on the default branch (the Proposer reads the files in scope). */
  files?: Record<string, string>;
}

export interface LoopGithub {
  requests: LoggedRequest[];
  unexpected: string[];
  /** Branch name → head sha. */
  refs: Map<string, string>;
  pulls: Map<number, FakePull>;
  /** What `compare/{base}...{head}` answers; the default is one in-scope file, one line, ahead by one. */
  compare: (base: string, head: string) => FakeCompare;
  comments: Map<number, { issueNumber: number; body: string }>;
  reactions: Array<{ commentId: number; content: string }>;
  /** Check runs and commit statuses by commit sha. */
  checkRuns: Map<string, FakeCheckRun[]>;
  statuses: Map<string, Array<{ context: string; state: string; description: string | null; target_url: string | null }>>;
  /** Annotations by check run id (the runner's `moose-result` and CI failures alike). */
  annotations: Map<number, Array<{ path: string; start_line: number | null; annotation_level: string; title: string | null; message: string }>>;
  /** Workflow runs by id, as `GET /actions/runs/{id}` answers them (each with one job whose check run is `id + 1`). */
  runs: Map<number, { id: number; status: string; conclusion: string | null; display_title: string; html_url: string }>;
  dispatches: Array<{ workflowFile: string; inputs: Record<string, string> }>;
  /** Open issues carrying labels, and each issue's timeline events, for the reconciler. */
  issues: Map<number, any>;
  issueEvents: Map<number, any[]>;
  /** Requests that changed something (everything but GETs and token exchanges), as "METHOD /path". */
  writes(): string[];
  /** The latest body of a comment Moose created or edited. */
  commentBody(id: number): string | undefined;
  /** Comments on one issue or PR, oldest first. */
  commentsOn(issueNumber: number): Array<{ id: number; body: string }>;
  /** Finishes runner run `runId` for `workOrderId`/`attempt` with the action's `moose-result` report. */
  finishRunnerRun(runId: number, workOrderId: string, attempt: number, result: Partial<RunnerResult> & Pick<RunnerResult, "result">, conclusion?: string): void;
  /** Adds a check run on `sha` and returns it. */
  addCheckRun(sha: string, run: Partial<FakeCheckRun> & Pick<FakeCheckRun, "name">): FakeCheckRun;
}

type Reply = [number, unknown];

const OWNER = "octo-org";
const REPO = "widgets";
const REPO_PATH = `/repos/${OWNER}/${REPO}`;
let nextId = 900_000;

/** The runner result the action reports for a clean success, with `overrides` applied. */
export function runnerResult(workOrderId: string, attempt: number, overrides: Partial<RunnerResult> = {}): RunnerResult {
  return {
    version: 1,
    result: "success",
    reason: "aider committed a change",
    workOrderId,
    attempt,
    commit: "c0ffee0000000000000000000000000000000001",
    workRef: `refs/heads/moose-work/wo-${workOrderId}-a${attempt}`,
    changedFiles: ["src/a.ts"],
    aiderCostUsd: 0.0123,
    ...overrides,
  };
}

export function fakeLoopGithub(options: LoopGithubOptions = {}): LoopGithub {
  const repository = loadWebhookFixture("issues.labeled").repository;
  const gh: LoopGithub = {
    requests: [],
    unexpected: [],
    refs: new Map([["main", "ba5e000000000000000000000000000000000000"]]),
    pulls: new Map(),
    compare: () => ({ status: "ahead", ahead_by: 1, behind_by: 0, files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 0 }] }),
    comments: new Map(),
    reactions: [],
    checkRuns: new Map(),
    statuses: new Map(),
    annotations: new Map(),
    runs: new Map(),
    dispatches: [],
    issues: new Map(),
    issueEvents: new Map(),
    writes: () =>
      gh.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/access_tokens")).map((r) => `${r.method} ${r.path}`),
    commentBody: (id) => gh.comments.get(id)?.body,
    commentsOn: (issueNumber) => [...gh.comments].filter(([, c]) => c.issueNumber === issueNumber).map(([id, c]) => ({ id, body: c.body })),
    finishRunnerRun(runId, workOrderId, attempt, result, conclusion = "success") {
      gh.runs.set(runId, {
        id: runId,
        status: "completed",
        conclusion,
        display_title: runDisplayTitle(workOrderId, attempt),
        html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}`,
      });
      const report = { ...runnerResult(workOrderId, attempt), ...result };
      gh.annotations.set(runId + 1, [{ path: ".github", start_line: 1, annotation_level: "notice", title: RESULT_ANNOTATION_TITLE, message: JSON.stringify(report) }]);
    },
    addCheckRun(sha, run) {
      const id = ++nextId;
      const full: FakeCheckRun = {
        id,
        status: "completed",
        conclusion: "success",
        app: { id: 15368, slug: "github-actions" },
        output: { title: null, summary: null },
        html_url: `https://github.com/${OWNER}/${REPO}/runs/${id}`,
        ...run,
      };
      gh.checkRuns.set(sha, [...(gh.checkRuns.get(sha) ?? []).filter((r) => r.name !== run.name), full]);
      return full;
    },
  };

  const pullJson = (pull: FakePull) => ({ ...pull, id: pull.number * 10, user: { login: "moose[bot]", type: "Bot" } });
  const notFound: Reply = [404, { message: "Not Found" }];

  const route = (request: LoggedRequest): Reply => {
    const { method, path, query, body } = request;
    let m: RegExpMatchArray | null;
    const at = (pattern: string) => (m = path.match(new RegExp(`^${REPO_PATH}${pattern}$`)));
    if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} }];
    }
    if (method === "GET" && path === "/app/installations") return [200, [{ id: 2, account: { login: OWNER }, app_id: 123 }]];
    if (method === "GET" && path === "/installation/repositories") return [200, { total_count: 1, repositories: [repository] }];
    if (method === "GET" && path.endsWith("/contents/.github/moose.yml")) {
      const yaml = path.startsWith(`${REPO_PATH}/`) ? (options.repoConfigYaml ?? null) : null;
      return yaml === null ? notFound : [200, yaml];
    }
    if (method === "GET" && at("/contents/(.+)")) {
      const content = options.files?.[m![1]!];
      if (content === undefined) return notFound;
      return [200, { type: "file", path: m![1], size: content.length, encoding: "base64", content: Buffer.from(content).toString("base64") }];
    }
    if (method === "GET" && at("/collaborators/([^/]+)/permission")) {
      const permission = options.permissions?.[m![1]!] ?? "write";
      return [200, { permission, role_name: permission, user: { login: m![1] } }];
    }
    if (method === "POST" && at("/issues/(\\d+)/comments")) {
      const id = ++nextId;
      gh.comments.set(id, { issueNumber: Number(m![1]), body: String(body.body) });
      return [201, { id, body: body.body }];
    }
    if (method === "GET" && at("/issues/(\\d+)/comments")) {
      const issueNumber = Number(m![1]);
      return [200, [...gh.comments].filter(([, c]) => c.issueNumber === issueNumber).map(([id, c]) => ({ id, body: c.body }))];
    }
    if (method === "PATCH" && at("/issues/comments/(\\d+)")) {
      const comment = gh.comments.get(Number(m![1]));
      if (!comment) return notFound;
      comment.body = String(body.body);
      return [200, { id: Number(m![1]), body: comment.body }];
    }
    if (method === "POST" && at("/issues/comments/(\\d+)/reactions")) {
      gh.reactions.push({ commentId: Number(m![1]), content: body.content });
      return [201, { id: ++nextId, content: body.content }];
    }
    if (method === "POST" && at("/issues/(\\d+)/labels")) return [200, body.labels.map((name: string) => ({ name }))];
    if (method === "GET" && at("/issues")) {
      const label = query.get("labels")?.toLowerCase();
      return [200, [...gh.issues.values()].filter((i) => i.labels.some((l: { name: string }) => l.name.toLowerCase() === label))];
    }
    if (method === "GET" && at("/issues/(\\d+)/events")) return [200, gh.issueEvents.get(Number(m![1])) ?? []];
    if (method === "GET" && at("/issues/(\\d+)")) return gh.issues.has(Number(m![1])) ? [200, gh.issues.get(Number(m![1]))] : notFound;

    if (method === "GET" && at("/git/ref/heads/(.+)")) {
      const sha = gh.refs.get(m![1]!);
      return sha ? [200, { ref: `refs/heads/${m![1]}`, object: { sha, type: "commit" } }] : notFound;
    }
    if (method === "POST" && at("/git/refs")) {
      const branch = String(body.ref).replace(/^refs\/heads\//, "");
      if (gh.refs.has(branch)) return [422, { message: "Reference already exists" }];
      gh.refs.set(branch, body.sha);
      return [201, { ref: body.ref, object: { sha: body.sha } }];
    }
    if (method === "PATCH" && at("/git/refs/heads/(.+)")) {
      if (!gh.refs.has(m![1]!)) return [422, { message: "Reference does not exist" }];
      gh.refs.set(m![1]!, body.sha);
      return [200, { ref: `refs/heads/${m![1]}`, object: { sha: body.sha } }];
    }
    if (method === "DELETE" && at("/git/refs/heads/(.+)")) {
      return gh.refs.delete(m![1]!) ? [204, null] : [422, { message: "Reference does not exist" }];
    }
    if (method === "GET" && at("/compare/([^.]+)\\.\\.\\.(.+)")) {
      const compare = gh.compare(m![1]!, m![2]!);
      return [200, { ...compare, total_commits: compare.ahead_by, commits: [] }];
    }
    if (method === "GET" && at("/branches/(.+)")) {
      const sha = gh.refs.get(m![1]!);
      return sha ? [200, { name: m![1], commit: { sha } }] : notFound;
    }

    if (method === "GET" && at("/pulls")) {
      const head = query.get("head")?.replace(`${OWNER}:`, "");
      return [200, [...gh.pulls.values()].filter((p) => p.state === "open" && (!head || p.head.ref === head)).map(pullJson)];
    }
    if (method === "POST" && at("/pulls")) {
      const number = 100 + gh.pulls.size + 1;
      const sha = gh.refs.get(body.head);
      if (!sha) return [422, { message: "head does not exist" }];
      const pull: FakePull = {
        number,
        html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
        title: body.title,
        body: body.body,
        draft: body.draft ?? false,
        state: "open",
        merged: false,
        merged_by: null,
        head: { ref: body.head, sha },
        base: { ref: body.base },
      };
      gh.pulls.set(number, pull);
      return [201, pullJson(pull)];
    }
    if (at("/pulls/(\\d+)")) {
      const pull = gh.pulls.get(Number(m![1]));
      if (!pull) return notFound;
      // The head follows the branch, as GitHub's does.
      pull.head.sha = gh.refs.get(pull.head.ref) ?? pull.head.sha;
      if (method === "GET") return [200, pullJson(pull)];
      if (method === "PATCH") {
        Object.assign(pull, body.body === undefined ? {} : { body: body.body }, body.title === undefined ? {} : { title: body.title });
        return [200, pullJson(pull)];
      }
    }
    if (method === "POST" && at("/pulls/(\\d+)/requested_reviewers")) return [201, { number: Number(m![1]), requested_reviewers: body.reviewers.map((login: string) => ({ login })) }];

    if (method === "GET" && at("/commits/([^/]+)/check-runs")) {
      const runs = gh.checkRuns.get(m![1]!) ?? [];
      return [200, { total_count: runs.length, check_runs: runs.map((r) => ({ ...r, head_sha: m![1] })) }];
    }
    if (method === "GET" && at("/commits/([^/]+)/status")) {
      const statuses = gh.statuses.get(m![1]!) ?? [];
      return [200, { state: statuses.length === 0 ? "pending" : "success", sha: m![1], total_count: statuses.length, statuses }];
    }
    if (method === "GET" && at("/check-runs/(\\d+)/annotations")) return [200, gh.annotations.get(Number(m![1])) ?? []];
    if (method === "GET" && at("/actions/runs/(\\d+)/jobs")) {
      const runId = Number(m![1]);
      if (!gh.runs.has(runId)) return notFound;
      return [200, { total_count: 1, jobs: [{ id: runId + 2, run_id: runId, name: "moose", check_run_url: `${API}${REPO_PATH}/check-runs/${runId + 1}` }] }];
    }
    if (method === "POST" && at("/actions/runs/(\\d+)/cancel")) {
      return [202, {}];
    }
    if (method === "GET" && at("/actions/runs/(\\d+)")) {
      const run = gh.runs.get(Number(m![1]));
      return run ? [200, { ...run, head_branch: "main", head_sha: gh.refs.get("main"), pull_requests: [] }] : notFound;
    }
    if (method === "POST" && at("/actions/workflows/([^/]+)/dispatches")) {
      gh.dispatches.push({ workflowFile: m![1]!, inputs: body.inputs });
      const runId = ++nextId;
      gh.runs.set(runId, {
        id: runId,
        status: "queued",
        conclusion: null,
        display_title: runDisplayTitle(body.inputs["work-order-id"], body.inputs.attempt),
        html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}`,
      });
      return [200, { workflow_run_id: runId, run_url: `${API}${REPO_PATH}/actions/runs/${runId}`, html_url: gh.runs.get(runId)!.html_url }];
    }
    gh.unexpected.push(`${method} ${path}${query.size > 0 ? `?${query}` : ""}`);
    return [404, { message: "Not Found (no such route in the fake GitHub)" }];
  };

  for (const method of ["GET", "POST", "PATCH", "DELETE"]) {
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
        };
        gh.requests.push(logged);
        return route(logged);
      });
  }
  return gh;
}
