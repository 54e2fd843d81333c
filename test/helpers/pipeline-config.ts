// The pipeline configuration tests and the benchmark run with (no vitest import, so the benchmark can load it).
import { loadModelCatalog } from "../../src/manager/model-catalog.js";
import type { PipelineConfig } from "../../src/orchestrator/stage-context.js";
import { createProviderClients } from "../../src/proposer/providers.js";

/** The real SDKs with one attempt each and keys that only nock ever sees. */
export function testProviders(overrides: Parameters<typeof createProviderClients>[0] = {}) {
  return createProviderClients({ anthropicApiKey: "sk-ant-test", maxRetries: 0, timeoutMs: 10_000, ...overrides });
}

/** The shipped model table, generous limits, and waits short enough for tests. */
export function testPipeline(overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    catalog: loadModelCatalog(),
    limits: { softUsd: 100, hardUsd: 200, emergencyUsd: 300 },
    providers: testProviders(),
    maxConcurrency: 10,
    recheckMs: 20,
    runnerTimeoutMinutes: 5,
    ...overrides,
  };
}

