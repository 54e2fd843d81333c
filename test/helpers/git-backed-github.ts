// A fake GitHub whose git side is a real bare repository: the shared core of `github-mocks.ts` plus a plug-in for
// refs, compare and pull requests read from and written to the repository, and the runner's `moose-result` annotation
// read from the action's log.
import { execFileSync } from "node:child_process";
import { fakeGithub, notFound, type FakeAnnotation, type FakeGithub, type FakeGithubOptions, type Reply, type Route } from "./github-mocks.js";
import { OWNER, REPO } from "./github-repo.js";

export interface GitBackedGithubOptions extends FakeGithubOptions {
  /** The bare repository that stands in for GitHub's copy (the runner pushes to it too). */
  origin: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  /** Branch names; the head SHA is always read from the bare repository, as GitHub does. */
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  mergedBy: string | null;
  labels: string[];
  requestedReviewers: string[];
  /** How many times the PR was edited after it was opened. */
  updates: number;
}

export interface GitBackedRefsAndPulls {
  origin: string;
  pulls: FakePull[];
  /** `git rev-parse` in the bare repository; undefined when the ref does not exist. */
  sha(ref: string): string | undefined;
  /**
   * Records a finished runner run's annotations as the action's log asked for them (`::notice title=moose-result::…`,
   * as GitHub turns workflow commands into annotations on the run's job). Returns them.
   */
  recordRunnerRun(runId: number, actionStdout: string): FakeAnnotation[];
  /** Merges a PR as GitHub would (fast-forward of the base branch) and returns it as the webhook shows it. */
  mergePull(number: number, by: string): Record<string, unknown>;
  /** The PR as the REST API returns it. */
  pullJson(pull: FakePull): Record<string, unknown>;
}

export type GitBackedGithub = FakeGithub & GitBackedRefsAndPulls;

/** Actions' workflow-command escaping (toolkit's `escapeData` / `escapeProperty`), undone. */
function unescapeCommand(text: string, property: boolean): string {
  let out = text.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
  if (property) out = out.replace(/%3A/gi, ":").replace(/%2C/gi, ",");
  return out.replace(/%25/g, "%");
}

/**
 * The annotations a step's log creates, as the runner would read `::notice|warning|error …::message` lines;
 * between `::stop-commands::<token>` and `::<token>::` nothing is a command (the action echoes Aider there).
 */
export function annotationsFromLog(stdout: string): FakeAnnotation[] {
  const annotations: FakeAnnotation[] = [];
  let stopToken: string | null = null;
  for (const line of stdout.split("\n")) {
    if (stopToken !== null) {
      if (line === `::${stopToken}::`) stopToken = null;
      continue;
    }
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!command) continue;
    const [, name, properties = "", data = ""] = command;
    if (name === "stop-commands") {
      stopToken = data;
      continue;
    }
    const level = name === "notice" ? "notice" : name === "warning" ? "warning" : name === "error" ? "failure" : null;
    if (!level) continue;
    const props = Object.fromEntries(
      properties
        .split(",")
        .filter((pair) => pair.includes("="))
        .map((pair) => [pair.slice(0, pair.indexOf("=")), unescapeCommand(pair.slice(pair.indexOf("=") + 1), true)]),
    );
    // Annotations without a file land on `.github` line 1, as GitHub records them.
    annotations.push({ path: props.file ?? ".github", start_line: 1, end_line: 1, annotation_level: level, title: props.title ?? null, message: unescapeCommand(data, false) });
  }
  return annotations;
}

export function gitBackedGithub(options: GitBackedGithubOptions): GitBackedGithub {
  return fakeGithub(options, (github) => {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: options.origin, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    const sha = (ref: string): string | undefined => {
      if (ref.startsWith("-")) return undefined;
      try {
        return git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
      } catch {
        return undefined;
      }
    };
    const isAncestor = (ancestor: string, descendant: string) => {
      try {
        git("merge-base", "--is-ancestor", ancestor, descendant);
        return true;
      } catch {
        return false;
      }
    };
    const isBranchRef = (ref: string) => {
      if (!ref.startsWith("refs/heads/")) return false;
      try {
        git("check-ref-format", ref);
        return true;
      } catch {
        return false;
      }
    };

    const pulls: FakePull[] = [];
    const pullJson = (pull: FakePull): Record<string, unknown> => ({
      number: pull.number,
      html_url: `https://github.com/${OWNER}/${REPO}/pull/${pull.number}`,
      state: pull.state,
      merged: pull.merged,
      merged_by: pull.mergedBy ? { login: pull.mergedBy, type: "User" } : null,
      draft: pull.draft,
      title: pull.title,
      body: pull.body,
      labels: pull.labels.map((name) => ({ name })),
      requested_reviewers: pull.requestedReviewers.map((login) => ({ login })),
      head: { ref: pull.head, sha: sha(`refs/heads/${pull.head}`) ?? null },
      base: { ref: pull.base, sha: sha(`refs/heads/${pull.base}`) ?? null },
    });
    const findPull = (number: string | undefined) => pulls.find((pull) => pull.number === Number(number));

    const compare = (baseRef: string, headRef: string): Reply => {
      const base = sha(baseRef);
      const head = sha(headRef);
      if (!base || !head) return notFound;
      const mergeBase = git("merge-base", base, head);
      const aheadBy = Number(git("rev-list", "--count", `${base}..${head}`));
      const behindBy = Number(git("rev-list", "--count", `${head}..${base}`));
      const status = aheadBy === 0 && behindBy === 0 ? "identical" : behindBy === 0 ? "ahead" : aheadBy === 0 ? "behind" : "diverged";
      // Three-dot compare: the files changed on head since the merge base. Renames stay delete + add, for simplicity.
      const numstat = git("diff", "--numstat", "-z", "--no-renames", mergeBase, head).split("\0").filter(Boolean);
      const nameStatus = git("diff", "--name-status", "-z", "--no-renames", mergeBase, head).split("\0").filter(Boolean);
      const statusOf = new Map<string, string>();
      for (let i = 0; i + 1 < nameStatus.length; i += 2) statusOf.set(nameStatus[i + 1]!, nameStatus[i]!);
      const names: Record<string, string> = { A: "added", D: "removed", M: "modified", T: "changed" };
      const files = numstat.map((entry) => {
        const [additions = "0", deletions = "0", filename = ""] = entry.split("\t");
        return {
          filename,
          status: names[statusOf.get(filename) ?? "M"] ?? "modified",
          additions: Number(additions) || 0,
          deletions: Number(deletions) || 0,
          changes: (Number(additions) || 0) + (Number(deletions) || 0),
        };
      });
      return [200, { status, ahead_by: aheadBy, behind_by: behindBy, total_commits: aheadBy, merge_base_commit: { sha: mergeBase }, files }];
    };

    const routes: Route[] = [
      ["GET", /^\/git\/ref\/heads\/(.+)$/, (m) => {
        const found = isBranchRef(`refs/heads/${m[1]}`) ? sha(`refs/heads/${m[1]}`) : undefined;
        return found ? [200, { ref: `refs/heads/${m[1]}`, object: { sha: found, type: "commit" } }] : notFound;
      }],
      ["POST", /^\/git\/refs$/, (_m, { body }) => {
        if (!isBranchRef(body.ref) || !sha(body.sha)) return [422, { message: "Reference update failed" }];
        if (sha(body.ref)) return [422, { message: "Reference already exists" }];
        git("update-ref", body.ref, body.sha, "");
        return [201, { ref: body.ref, object: { sha: body.sha, type: "commit" } }];
      }],
      ["PATCH", /^\/git\/refs\/(heads\/.+)$/, (m, { body }) => {
        const ref = `refs/${m[1]}`;
        const current = isBranchRef(ref) ? sha(ref) : undefined;
        if (!current || !sha(body.sha)) return [422, { message: "Reference does not exist" }];
        if (!isAncestor(current, body.sha) && !body.force) return [422, { message: "Update is not a fast forward" }];
        git("update-ref", ref, body.sha, current);
        return [200, { ref, object: { sha: body.sha, type: "commit" } }];
      }],
      ["DELETE", /^\/git\/refs\/(heads\/.+)$/, (m) => {
        const ref = `refs/${m[1]}`;
        if (!isBranchRef(ref) || !sha(ref)) return [422, { message: "Reference does not exist" }];
        git("update-ref", "-d", ref);
        return [204, null];
      }],
      ["GET", /^\/compare\/(.+)\.\.\.(.+)$/, (m) => compare(m[1]!, m[2]!)],
      ["GET", /^\/pulls$/, (_m, { query }) => {
        const head = query.get("head");
        const state = query.get("state") ?? "open";
        const listed = pulls.filter((pull) => (head === null || `${OWNER}:${pull.head}` === head) && (state === "all" || pull.state === state));
        return [200, listed.map(pullJson)];
      }],
      ["POST", /^\/pulls$/, (_m, { body }) => {
        if (!sha(`refs/heads/${body.head}`)) return [422, { message: "Validation Failed: head" }];
        if (pulls.some((pull) => pull.head === body.head && pull.state === "open")) return [422, { message: "A pull request already exists" }];
        const pull: FakePull = {
          number: 100 + pulls.length,
          title: body.title,
          body: body.body ?? "",
          head: body.head,
          base: body.base,
          draft: body.draft ?? false,
          state: "open",
          merged: false,
          mergedBy: null,
          labels: [],
          requestedReviewers: [],
          updates: 0,
        };
        pulls.push(pull);
        return [201, pullJson(pull)];
      }],
      ["GET", /^\/pulls\/(\d+)$/, (m) => {
        const pull = findPull(m[1]);
        return pull ? [200, pullJson(pull)] : notFound;
      }],
      ["PATCH", /^\/pulls\/(\d+)$/, (m, { body }) => {
        const pull = findPull(m[1]);
        if (!pull) return notFound;
        if (body.title !== undefined) pull.title = body.title;
        if (body.body !== undefined) pull.body = body.body;
        pull.updates++;
        return [200, pullJson(pull)];
      }],
      ["POST", /^\/pulls\/(\d+)\/requested_reviewers$/, (m, { body }) => {
        const pull = findPull(m[1]);
        if (!pull) return notFound;
        pull.requestedReviewers.push(...(body.reviewers ?? []));
        return [201, pullJson(pull)];
      }],
      ["POST", /^\/issues\/(\d+)\/labels$/, (m, { body }) => {
        const pull = findPull(m[1]);
        if (!pull) return notFound;
        pull.labels.push(...(body.labels ?? []));
        return [200, pull.labels.map((name) => ({ name }))];
      }],
    ];

    const extension: GitBackedRefsAndPulls = {
      origin: options.origin,
      pulls,
      sha,
      pullJson,
      recordRunnerRun(runId, actionStdout) {
        const found = annotationsFromLog(actionStdout);
        github.setRunAnnotations(runId, found);
        return found;
      },
      mergePull(number, by) {
        const pull = findPull(String(number));
        if (!pull || pull.state !== "open") throw new Error(`PR #${number} is not open`);
        const head = sha(`refs/heads/${pull.head}`);
        const base = sha(`refs/heads/${pull.base}`);
        if (!head || !base) throw new Error(`PR #${number}'s branches are missing`);
        if (!isAncestor(base, head)) throw new Error(`PR #${number} cannot be fast-forwarded`);
        git("update-ref", `refs/heads/${pull.base}`, head, base);
        Object.assign(pull, { state: "closed", merged: true, mergedBy: by });
        return pullJson(pull);
      },
    };
    return { ...extension, routes };
  });
}
