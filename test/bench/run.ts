// Benchmark: Moose's label → dispatch path per work order (zero-latency GitHub and LLM mocks), next to the webhook
// acknowledgement of Moose and of a bare Probot app over loopback HTTP. Run with `npm run bench [-- --count N] [--json]`.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit, createNodeMiddleware, type ApplicationFunction } from "probot";
import { createMooseApp, mooseRuntimeOf } from "../../src/index.js";
import { createPgliteStore } from "../../src/store/pglite-store.js";
import type { Store } from "../../src/store/store.js";
import { fakeGithub } from "../helpers/github-mocks.js";
import { fakeAnthropic } from "../helpers/llm-mocks.js";
import { testPipeline } from "../helpers/pipeline-config.js";

const args = process.argv.slice(2);
const COUNT = Number(args[args.indexOf("--count") + 1] ?? 50) || 50;
const JSON_OUTPUT = args.includes("--json");
const SECRET = "bench-secret";

// Throttling off, as in the tests: production Octokit also paces writes (GitHub's secondary limits), which this omits.
const BenchOctokit = ProbotOctokit.defaults((options: Record<string, any>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
}));
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
const labeled = JSON.parse(readFileSync(new URL("../fixtures/webhooks/issues.labeled.json", import.meta.url), "utf8")) as Record<string, any>;

function payloadFor(issueNumber: number) {
  return { ...labeled, issue: { ...labeled.issue, number: issueNumber } };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Counts every Store method call: each is one SQL statement or one SQL function call (one database round trip). */
function countingStore(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== "function" || name === "close") return typeof value === "function" ? value.bind(target) : value;
      return (...callArgs: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, callArgs);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

function probot(): Probot {
  return new Probot({ appId: 123, privateKey, secret: SECRET, log: pino({ level: "silent" }), Octokit: BenchOctokit });
}

async function serve(app: ApplicationFunction, instance: Probot): Promise<{ url: string; server: Server }> {
  const middleware = await createNodeMiddleware(app, { probot: instance, webhooksPath: "/" });
  const server = createServer((req, res) => void middleware(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function timeAcks(url: string, first: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const body = JSON.stringify(payloadFor(first + i));
    const signature = await sign(SECRET, body);
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": `ack-${first + i}`, "x-hub-signature-256": signature },
    });
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`webhook answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function main() {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  process.env.MOOSE_DATA_DIR = "memory://";
  delete process.env.DATABASE_URL;
  const issues = Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [i + 1, payloadFor(i + 1).issue]));
  const github = fakeGithub({ issues, files: { "src/cli/list.ts": "// list\n" } });
  fakeAnthropic();

  // (1) Moose, label → dispatch, one work order at a time.
  const db = await PGlite.create("memory://");
  const plainStore = await createPgliteStore(db);
  const counted = countingStore(plainStore);
  const moose = probot();
  await moose.load(createMooseApp({ openStore: async () => counted.store, pipeline: () => testPipeline({ maxConcurrency: COUNT }) }));
  const runtime = mooseRuntimeOf(moose)!;
  const perWorkOrder: number[] = [];
  const requestsBefore = github.requests.length;
  const callsBefore = counted.calls();
  for (let i = 1; i <= COUNT; i++) {
    const started = performance.now();
    await moose.receive({ id: `bench-${i}`, name: "issues", payload: payloadFor(i) } as never);
    await runtime.worker.drain();
    perWorkOrder.push(performance.now() - started);
    // The run "finishes" (outside the timing and the counts) so capacity never holds later work orders back.
    const id = github.dispatches.at(-1)?.inputs["work-order-id"];
    if (id) await plainStore.transitionWorkOrder({ id, from: ["running"], to: "completed" });
  }
  const dispatched = github.dispatches.length;
  if (dispatched !== COUNT) throw new Error(`expected ${COUNT} dispatches, got ${dispatched}: ${github.unexpected.join(", ")}`);
  const githubPerWorkOrder = (github.requests.length - requestsBefore) / COUNT;
  const storePerWorkOrder = (counted.calls() - callsBefore) / COUNT;

  // (2) Acknowledgement over HTTP: Moose (records the delivery, wakes the worker) and a bare app (does nothing).
  const mooseServer = await serve(() => undefined, moose);
  const mooseAcks = await timeAcks(mooseServer.url, 10_000);
  await runtime.worker.drain();
  const bare = probot();
  const bareServer = await serve((app) => app.on("issues.labeled", async () => undefined), bare);
  const bareAcks = await timeAcks(bareServer.url, 20_000);
  for (const { server } of [mooseServer, bareServer]) server.close();
  await runtime.stop();

  const row = (values: number[]) => ({ medianMs: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)) });
  const result = {
    count: COUNT,
    note: "zero-latency nock mocks for GitHub and Anthropic; in-memory PGlite; Octokit throttling off (production Octokit adds GitHub's write pacing)",
    bareProbotAck: row(bareAcks),
    mooseAck: row(mooseAcks),
    mooseLabelToDispatch: { ...row(perWorkOrder), githubRequestsPerWorkOrder: round(githubPerWorkOrder), storeCallsPerWorkOrder: round(storePerWorkOrder) },
  };
  if (JSON_OUTPUT) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`Moose benchmark, ${COUNT} work orders (${result.note})\n`);
  console.log("| path | median ms | p99 ms | GitHub requests / WO | Store calls (DB round trips) / WO |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  console.log(`| bare Probot: verify + ack (HTTP, signed) | ${result.bareProbotAck.medianMs} | ${result.bareProbotAck.p99Ms} | 0 | 0 |`);
  console.log(`| Moose: verify + record + ack (HTTP, signed) | ${result.mooseAck.medianMs} | ${result.mooseAck.p99Ms} | n/a (worker runs meanwhile) | n/a |`);
  const full = result.mooseLabelToDispatch;
  console.log(`| Moose: issues.labeled → workflow dispatched | ${full.medianMs} | ${full.p99Ms} | ${full.githubRequestsPerWorkOrder} | ${full.storeCallsPerWorkOrder} |`);
}

const round = (n: number) => Math.round(n * 100) / 100;

await main();
nock.cleanAll();
process.exit(0);
