// A fake GitHub REST API for pipeline tests: one persisted nock interceptor per HTTP method routes every request
// to an in-memory repository, counts what was asked, and answers unknown routes 404 (listed in `unexpected`).
import nock from "nock";
import { runDisplayTitle } from "../../src/runner/runner-contract.js";

/** The same host as github-app.ts's API; not imported from there so the benchmark can load this without vitest. */
const API = "https://api.github.com";

export interface DispatchCall {
  workflowFile: string;
  ref: string;
  returnRunDetails: unknown;
  apiVersion: string | undefined;
  inputs: Record<string, string>;
}

export interface CreatedComment {
  issueNumber: number;
  id: number;
  body: string;
}

/** What a dispatch is answered with: a run id (200 with run details), or an HTTP error status. */
export type DispatchReply = { runId: number } | { status: number; message?: string };

export interface FakeGithubOptions {
  owner?: string;
  repo?: string;
  /** `.github/moose.yml` on the default branch; null (the default) means the file does not exist. */
  repoConfigYaml?: string | null;
  /** File contents on the default branch, by path; other paths answer 404 (the prompt lists them as missing). */
  files?: Record<string, string>;
  /** Collaborator permission for every user (default write). */
  permission?: "admin" | "write" | "read" | "none";
  /** `GET /repos/{o}/{r}/issues/{n}` (the Director re-reads the labelled issue); undefined answers 404. */
  issue?: (issueNumber: number) => unknown;
  /** Decides each dispatch's reply; by default every dispatch starts a run with the next run id. */
  onDispatch?: (call: DispatchCall, index: number) => DispatchReply;
}

export interface FakeGithub {
  /** Every request, as "METHOD /path". */
  requests: string[];
  dispatches: DispatchCall[];
  /** Runs visible to `GET .../actions/workflows/{file}/runs` (dispatched ones are added automatically). */
  runs: Array<{ id: number; display_title: string; html_url: string }>;
  comments: CreatedComment[];
  /** Tracking comment edits, by comment id, latest body last. */
  edits: Array<{ id: number; body: string }>;
  unexpected: string[];
  /** Dispatches per work order id. */
  dispatchCounts(): Map<string, number>;
  /** The latest body of a comment (created or edited). */
  commentBody(id: number): string | undefined;
}

type Reply = [number, unknown];

export function fakeGithub(options: FakeGithubOptions = {}): FakeGithub {
  const owner = options.owner ?? "octo-org";
  const repo = options.repo ?? "widgets";
  const repoPath = `/repos/${owner}/${repo}`;
  let nextCommentId = 10_000;
  let nextRunId = 500_000;
  const fake: FakeGithub = {
    requests: [],
    dispatches: [],
    runs: [],
    comments: [],
    edits: [],
    unexpected: [],
    dispatchCounts() {
      const counts = new Map<string, number>();
      for (const call of fake.dispatches) {
        const id = call.inputs["work-order-id"] ?? "";
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    commentBody(id) {
      const edits = fake.edits.filter((edit) => edit.id === id);
      return edits.at(-1)?.body ?? fake.comments.find((comment) => comment.id === id)?.body;
    },
  };

  const route = (method: string, url: URL, body: unknown, headers: Headers): Reply => {
    const path = decodeURIComponent(url.pathname);
    fake.requests.push(`${method} ${url.pathname}`);
    let match: RegExpMatchArray | null;
    if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} }];
    }
    if (method === "GET" && path.endsWith("/contents/.github/moose.yml")) {
      const yaml = path.startsWith(`${repoPath}/`) ? (options.repoConfigYaml ?? null) : null;
      return yaml === null ? [404, { message: "Not Found" }] : [200, yaml];
    }
    if (method === "GET" && (match = path.match(new RegExp(`^${repoPath}/contents/(.+)$`)))) {
      const content = options.files?.[match[1]!];
      if (content === undefined) return [404, { message: "Not Found" }];
      return [200, { type: "file", path: match[1], size: content.length, encoding: "base64", content: Buffer.from(content).toString("base64") }];
    }
    if (method === "GET" && (match = path.match(new RegExp(`^${repoPath}/collaborators/([^/]+)/permission$`)))) {
      const permission = options.permission ?? "write";
      return [200, { permission, role_name: permission, user: { login: match[1] } }];
    }
    if (method === "GET" && (match = path.match(new RegExp(`^${repoPath}/issues/(\\d+)$`)))) {
      const issue = options.issue?.(Number(match[1]));
      return issue === undefined ? [404, { message: "Not Found" }] : [200, issue];
    }
    if (method === "POST" && (match = path.match(new RegExp(`^${repoPath}/issues/(\\d+)/comments$`)))) {
      const comment = { issueNumber: Number(match[1]), id: ++nextCommentId, body: String((body as { body?: string }).body) };
      fake.comments.push(comment);
      return [201, { id: comment.id, body: comment.body }];
    }
    if (method === "PATCH" && (match = path.match(new RegExp(`^${repoPath}/issues/comments/(\\d+)$`)))) {
      fake.edits.push({ id: Number(match[1]), body: String((body as { body?: string }).body) });
      return [200, { id: Number(match[1]) }];
    }
    if (method === "POST" && new RegExp(`^${repoPath}/issues/comments/\\d+/reactions$`).test(path)) {
      return [201, { id: 1, content: (body as { content?: string }).content }];
    }
    if (method === "POST" && (match = path.match(new RegExp(`^${repoPath}/actions/workflows/([^/]+)/dispatches$`)))) {
      const sent = body as { ref: string; inputs: Record<string, string>; return_run_details?: unknown };
      const call: DispatchCall = {
        workflowFile: match[1]!,
        ref: sent.ref,
        returnRunDetails: sent.return_run_details,
        apiVersion: headers.get("x-github-api-version") ?? undefined,
        inputs: sent.inputs,
      };
      fake.dispatches.push(call);
      const reply = options.onDispatch?.(call, fake.dispatches.length - 1) ?? { runId: ++nextRunId };
      if ("status" in reply) return [reply.status, { message: reply.message ?? "error" }];
      const htmlUrl = `https://github.com/${owner}/${repo}/actions/runs/${reply.runId}`;
      fake.runs.push({ id: reply.runId, display_title: runDisplayTitle(call.inputs["work-order-id"] ?? "", call.inputs.attempt ?? ""), html_url: htmlUrl });
      return [200, { workflow_run_id: reply.runId, run_url: `${API}${repoPath}/actions/runs/${reply.runId}`, html_url: htmlUrl }];
    }
    if (method === "GET" && new RegExp(`^${repoPath}/actions/workflows/[^/]+/runs$`).test(path)) {
      return [200, { total_count: fake.runs.length, workflow_runs: fake.runs }];
    }
    fake.unexpected.push(`${method} ${url.pathname}${url.search}`);
    return [404, { message: "Not Found (no such route in the fake GitHub)" }];
  };

  for (const method of ["GET", "POST", "PATCH"]) {
    // Optional: a test that never edits a comment must not fail for an unused PATCH route.
    nock(API)
      .persist()
      .intercept(() => true, method)
      .query(true)
      .optionally()
      .reply(async (request: Request) => {
        const text = await request.text();
        return route(method, new URL(request.url), text ? (JSON.parse(text) as unknown) : null, request.headers);
      });
  }
  return fake;
}
