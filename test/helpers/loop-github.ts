// The fake GitHub for the tests that close the loop (publish, Sentinel, endings, reconciler, commands): the shared
// core of `github-mocks.ts` plus a plug-in holding branches and pull requests in memory, and the App's installation.
import { RESULT_ANNOTATION_TITLE, type RunnerResult } from "../../src/publisher/runner-result.js";
import { runDisplayTitle } from "../../src/runner/runner-contract.js";
import { loadWebhookFixture } from "./github-app.js";
import { fakeGithub, notFound, type FakeGithub, type FakeGithubOptions, type Route } from "./github-mocks.js";
import { OWNER, REPO } from "./github-repo.js";

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

export interface FakeCompare {
  status: string;
  ahead_by: number;
  behind_by: number;
  files: Array<{ filename: string; status: string; additions: number; deletions: number; previous_filename?: string }>;
}

export type LoopGithubOptions = FakeGithubOptions;

export interface LoopRefsAndPulls {
  /** Branch name → head sha. */
  refs: Map<string, string>;
  pulls: Map<number, FakePull>;
  /** What `compare/{base}...{head}` answers; the default is one in-scope file, one line, ahead by one. */
  compare: (base: string, head: string) => FakeCompare;
  /** Finishes runner run `runId` for `workOrderId`/`attempt` with the action's `moose-result` report. */
  finishRunnerRun(runId: number, workOrderId: string, attempt: number, result: Partial<RunnerResult> & Pick<RunnerResult, "result">, conclusion?: string): void;
}

export type LoopGithub = FakeGithub & LoopRefsAndPulls;

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
  return fakeGithub(options, (core) => {
    // The plug-in's fields are copied onto the core; routes read them from there, so a test may replace `compare`.
    const gh = core as LoopGithub;
    const repository = loadWebhookFixture("issues.labeled").repository;
    const pullJson = (pull: FakePull) => ({ ...pull, id: pull.number * 10, user: { login: "moose[bot]", type: "Bot" } });
    const pullAt = (number: string | undefined) => {
      const pull = gh.pulls.get(Number(number));
      // The head follows the branch, as GitHub's does.
      if (pull) pull.head.sha = gh.refs.get(pull.head.ref) ?? pull.head.sha;
      return pull;
    };
    const routes: Route[] = [
      ["GET", /^\/app\/installations$/, () => [200, [{ id: 2, account: { login: OWNER }, app_id: 123 }]]],
      ["GET", /^\/installation\/repositories$/, () => [200, { total_count: 1, repositories: [repository] }]],
      ["POST", /^\/issues\/(\d+)\/labels$/, (_m, { body }) => [200, body.labels.map((name: string) => ({ name }))]],
      ["GET", /^\/git\/ref\/heads\/(.+)$/, (m) => {
        const sha = gh.refs.get(m[1]!);
        return sha ? [200, { ref: `refs/heads/${m[1]}`, object: { sha, type: "commit" } }] : notFound;
      }],
      ["POST", /^\/git\/refs$/, (_m, { body }) => {
        const branch = String(body.ref).replace(/^refs\/heads\//, "");
        if (gh.refs.has(branch)) return [422, { message: "Reference already exists" }];
        gh.refs.set(branch, body.sha);
        return [201, { ref: body.ref, object: { sha: body.sha } }];
      }],
      ["PATCH", /^\/git\/refs\/heads\/(.+)$/, (m, { body }) => {
        if (!gh.refs.has(m[1]!)) return [422, { message: "Reference does not exist" }];
        gh.refs.set(m[1]!, body.sha);
        return [200, { ref: `refs/heads/${m[1]}`, object: { sha: body.sha } }];
      }],
      ["DELETE", /^\/git\/refs\/heads\/(.+)$/, (m) => (gh.refs.delete(m[1]!) ? [204, null] : [422, { message: "Reference does not exist" }])],
      ["GET", /^\/compare\/([^.]+)\.\.\.(.+)$/, (m) => {
        const compare = gh.compare(m[1]!, m[2]!);
        return [200, { ...compare, total_commits: compare.ahead_by, commits: [] }];
      }],
      ["GET", /^\/branches\/(.+)$/, (m) => {
        const sha = gh.refs.get(m[1]!);
        return sha ? [200, { name: m[1], commit: { sha } }] : notFound;
      }],
      ["GET", /^\/pulls$/, (_m, { query }) => {
        const head = query.get("head")?.replace(`${OWNER}:`, "");
        return [200, [...gh.pulls.values()].filter((p) => p.state === "open" && (!head || p.head.ref === head)).map(pullJson)];
      }],
      ["POST", /^\/pulls$/, (_m, { body }) => {
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
      }],
      ["GET", /^\/pulls\/(\d+)$/, (m) => {
        const pull = pullAt(m[1]);
        return pull ? [200, pullJson(pull)] : notFound;
      }],
      ["PATCH", /^\/pulls\/(\d+)$/, (m, { body }) => {
        const pull = pullAt(m[1]);
        if (!pull) return notFound;
        Object.assign(pull, body.body === undefined ? {} : { body: body.body }, body.title === undefined ? {} : { title: body.title });
        return [200, pullJson(pull)];
      }],
      ["POST", /^\/pulls\/(\d+)\/requested_reviewers$/, (m, { body }) => [201, { number: Number(m[1]), requested_reviewers: body.reviewers.map((login: string) => ({ login })) }]],
    ];
    const extension: LoopRefsAndPulls = {
      refs: new Map([["main", "ba5e000000000000000000000000000000000000"]]),
      pulls: new Map(),
      compare: () => ({ status: "ahead", ahead_by: 1, behind_by: 0, files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 0 }] }),
      finishRunnerRun(runId, workOrderId, attempt, result, conclusion = "success") {
        gh.runs.set(runId, {
          id: runId,
          status: "completed",
          conclusion,
          display_title: runDisplayTitle(workOrderId, attempt),
          html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}`,
        });
        const report = { ...runnerResult(workOrderId, attempt), ...result };
        gh.setRunAnnotations(runId, [{ path: ".github", start_line: 1, annotation_level: "notice", title: RESULT_ANNOTATION_TITLE, message: JSON.stringify(report) }]);
      },
    };
    return { ...extension, routes };
  });
}
