// Benchmark: the runner action's own overhead (total minus the fake Aider's time) on a 10,000-file repository, next to
// a bare `git checkout -b`, commit and push of the same change. Run with `npm run bench:action`.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ENTRY, createSandbox, readState, runAction } from "../action/sandbox.js";

const FILES = 10_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const files: Record<string, string> = {};
for (let i = 0; i < FILES - 3; i++) files[`pkg/d${String(i % 100).padStart(2, "0")}/f${i}.ts`] = `export const v${i} = ${i};\n`;
const setupStart = performance.now();
const sandbox = createSandbox({ files });
const setupMs = performance.now() - setupStart;

const env = { ...process.env, HOME: sandbox.home, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@e", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@e" };
const bare = join(sandbox.root, "bare-clone");
execFileSync("git", ["clone", "--quiet", sandbox.origin, bare], { env, stdio: "ignore" });
const git = (...args: string[]) => execFileSync("git", args, { cwd: bare, env, stdio: "ignore" });

const action = { total: [] as number[], aider: [] as number[], overhead: [] as number[] };
const baseline: number[] = [];
try {
  for (let i = 1; i <= RUNS; i++) {
    const run = await runAction(sandbox, { entry: BUNDLE_ENTRY, scenario: "edit", inputs: { attempt: String(i) } });
    if (run.outputs.result !== "success") throw new Error(`action run ${i} failed: ${run.outputs.reason} ${run.stderr}`);
    const aiderMs = Number(readState(sandbox, "elapsed-ms"));
    action.total.push(run.durationMs);
    action.aider.push(aiderMs);
    action.overhead.push(run.durationMs - aiderMs);

    const started = performance.now();
    git("checkout", "--quiet", "-b", `bench-${i}`, "origin/main");
    mkdirSync(join(bare, "src"), { recursive: true });
    appendFileSync(join(bare, "src/app.ts"), "// edited by aider\n");
    git("commit", "--quiet", "-am", "feat: Apply requested change");
    git("push", "--quiet", "origin", `bench-${i}`);
    baseline.push(performance.now() - started);
  }
} finally {
  sandbox.cleanup();
}

const row = (name: string, values: number[]) =>
  `| ${name.padEnd(44)} | ${median(values).toFixed(0).padStart(7)} | ${Math.min(...values).toFixed(0).padStart(7)} | ${Math.max(...values).toFixed(0).padStart(7)} |`;
const report = [
  `Runner action overhead, ${FILES} files, ${RUNS} runs each (ms; repo set-up took ${setupMs.toFixed(0)} ms, not counted)`,
  "",
  "| measure                                      |  median |     min |     max |",
  "|----------------------------------------------|---------|---------|---------|",
  row("action total (node dist/index.js)", action.total),
  row("fake aider (its own process lifetime)", action.aider),
  row("action overhead = total - fake aider", action.overhead),
  row("bare git checkout -b + commit + push", baseline),
].join("\n");
console.log(report);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ files: FILES, runs: RUNS, action, baseline }, null, 2));
