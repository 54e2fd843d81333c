// Test harness: a real Probot instance with Moose loaded, a throwaway App key, and nock helpers for GitHub.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { vi } from "vitest";
import mooseApp, { createMooseApp, mooseRuntimeOf, type MooseAppOptions } from "../../src/index.js";
import type { MooseRuntime } from "../../src/orchestrator/runtime.js";
import type { Store } from "../../src/store/store.js";
import { API, REPO_PATH } from "./github-repo.js";
import { clonedPgliteStore } from "./pglite-template.js";

export { API, REPO_PATH } from "./github-repo.js";

let cachedKey: string | undefined;
/** An App private key made at run time: no key is ever committed. */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return cachedKey;
}

export function loadWebhookFixture<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/webhooks/${name}.json`, import.meta.url), "utf8")) as T;
}

export interface TestMoose {
  probot: Probot;
  runtime: MooseRuntime;
  /** Failed handler attempts of the last delivery (see `deliver`). */
  failures: string[];
  /** Delivers a webhook and drains the worker; throws when a handler failed, unless `expectFailures` is set. */
  deliver(name: string, payload: unknown, deliveryId?: string, options?: { expectFailures?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

let deliveries = 0;

/**
 * Probot's Octokit with retries and throttling off. A plain `ProbotOctokit.defaults({ throttle: { enabled: false } })`
 * is not enough: Probot layers its own throttle options over it, so installation clients would still space every
 * write a second apart. A function default is applied last, on the final options.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, any>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
}));

export interface TestMooseOptions {
  env?: Record<string, string | undefined>;
  /** Load `src/index.ts`'s default export exactly as `probot run` does (slower: it boots its own PGlite). */
  defaultExport?: boolean;
  openStore?: () => Promise<Store>;
  pipeline?: MooseAppOptions["pipeline"];
}

/** Loads Moose into a fresh Probot backed by a fresh in-memory PGlite store. */
export async function startTestMoose(options: TestMooseOptions = {}): Promise<TestMoose> {
  const env = options.env ?? {};
  vi.stubEnv("DATABASE_URL", undefined);
  vi.stubEnv("SUPABASE_URL", undefined);
  vi.stubEnv("SUPABASE_SERVICE_ROLE_KEY", undefined);
  vi.stubEnv("MOOSE_DATA_DIR", "memory://");
  // The reconciler lists installations over the API; tests that want it turn it on.
  vi.stubEnv("MOOSE_RECONCILE_INTERVAL_MS", "0");
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  const probot = new Probot({
    appId: 123,
    privateKey: testPrivateKey(),
    secret: "test-secret",
    log: pino({ level: process.env.MOOSE_TEST_LOG_LEVEL ?? "silent" }),
    Octokit: TestOctokit,
  });
  const app = options.defaultExport
    ? mooseApp
    : createMooseApp({ openStore: options.openStore ?? clonedPgliteStore, ...(options.pipeline ? { pipeline: options.pipeline } : {}) });
  await probot.load(app, { cwd: process.cwd(), addHandler: vi.fn() });
  const runtime = mooseRuntimeOf(probot);
  if (!runtime) throw new Error("moose runtime missing after load");
  // A handler that throws is retried and finally closed as failed, which would read as "did nothing": surface it.
  const failures: string[] = [];
  const store = runtime.services.store;
  const failEvent = store.failEvent.bind(store);
  store.failEvent = async (deliveryId, error, maxAttempts, retryAfterMs) => {
    failures.push(`${deliveryId}: ${error}`);
    return failEvent(deliveryId, error, maxAttempts, retryAfterMs);
  };
  return {
    probot,
    runtime,
    failures,
    async deliver(name, payload, deliveryId = `delivery-${++deliveries}`, deliverOptions = {}) {
      failures.length = 0;
      await probot.receive({ id: deliveryId, name, payload } as never);
      await runtime.worker.drain();
      if (failures.length > 0 && !deliverOptions.expectFailures) {
        throw new Error(`a webhook handler failed (pass expectFailures if the test means it):\n${failures.join("\n")}`);
      }
    },
    async stop() {
      await runtime.stop();
      vi.unstubAllEnvs();
    },
  };
}

/** The installation token exchange Probot makes once per installation per Probot instance. */
export function mockInstallationToken(installationId = 2): nock.Scope {
  return nock(API)
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
}

/** `.github/moose.yml` as Probot's config loader reads it: the repo's file, else the owner's `.github` repo. */
export function mockRepoConfig(yaml: string | null): nock.Scope {
  const scope = nock(API);
  if (yaml === null) {
    scope.get(`${REPO_PATH}/contents/.github%2Fmoose.yml`).reply(404).get("/repos/octo-org/.github/contents/.github%2Fmoose.yml").reply(404);
  } else {
    scope.get(`${REPO_PATH}/contents/.github%2Fmoose.yml`).reply(200, yaml);
  }
  return scope;
}

export function mockPermission(username: string, permission: "admin" | "write" | "read" | "none", roleName: string = permission): nock.Scope {
  return nock(API)
    .get(`${REPO_PATH}/collaborators/${username}/permission`)
    .reply(200, { permission, role_name: roleName, user: { login: username } });
}
