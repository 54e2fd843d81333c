// The Proposer stage on OpenAI: a catalog override routes the work order to an OpenAI model, and the real SDK calls
// https://api.openai.com/v1/chat/completions through nock; the cost row and the dispatch follow from its reply.
import { afterEach, describe, expect, it } from "vitest";
import { loadModelCatalog } from "../../src/manager/model-catalog.js";
import { createProviderClients } from "../../src/proposer/providers.js";
import { startTestMoose, type TestMoose } from "../helpers/github-app.js";
import { fakeGithub } from "../helpers/github-mocks.js";
import { mockOpenAIProposals } from "../helpers/llm-mocks.js";
import { clonedPgliteStore } from "../helpers/pglite-template.js";
import { seedProject, seedWorkOrder } from "../helpers/pipeline-harness.js";

/** A MOOSE_MODELS_FILE-style table with one OpenAI model for every band. */
const OPENAI_ONLY = {
  as_of: "2026-11-17",
  models: [
    {
      id: "gpt-6-luna",
      provider: "openai",
      aider_model: "openai/gpt-6-luna",
      input_per_mtok: 0.1,
      output_per_mtok: 0.5,
      cache_read_per_mtok: 0.01,
      cache_write_per_mtok: 0.125,
      max_output_tokens: 8000,
      context_tokens: 150000,
    },
  ],
  routing: [{ max_complexity: 1, model: "gpt-6-luna" }],
  escalation: ["gpt-6-luna"],
};

describe("proposeWorkOrder on an OpenAI-routed work order", () => {
  let moose: TestMoose | undefined;
  afterEach(async () => {
    await moose?.stop();
  });

  it("calls OpenAI's Chat Completions, records the cost from its usage, and dispatches the OpenAI model", async () => {
    const store = await clonedPgliteStore();
    const github = fakeGithub({ files: { "src/a.ts": "export const a = 1;\n" } });
    moose = await startTestMoose({
      openStore: async () => store,
      pipeline: (pipeline) => ({
        ...pipeline,
        catalog: loadModelCatalog(OPENAI_ONLY),
        providers: createProviderClients({ openaiApiKey: "sk-openai-test", maxRetries: 0 }),
        recheckMs: 20,
      }),
    });
    const models: string[] = [];
    mockOpenAIProposals(1, (model) => models.push(model), { prompt_tokens: 2_000, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 500 } });
    const workOrder = await seedWorkOrder(store, await seedProject(store), 3);

    await moose.runtime.worker.drain();

    expect(models).toEqual(["gpt-6-luna"]);
    expect(await store.getWorkOrder(workOrder.id)).toMatchObject({
      status: "running",
      metadata: { model: "gpt-6-luna", proposal_model: "gpt-6-luna", aider_model: "openai/gpt-6-luna" },
    });
    const [cost] = await store.listCosts(workOrder.id);
    // OpenAI's prompt_tokens include the cached ones; Moose bills them once, at the cache-read rate.
    expect(cost).toMatchObject({ provider: "openai", model: "gpt-6-luna", inputTokens: 1_500, cacheReadTokens: 500, outputTokens: 300 });
    expect(cost!.costUsd).toBeCloseTo((1_500 * 0.1 + 500 * 0.01 + 300 * 0.5) / 1e6, 10);
    expect(github.dispatches.map((d) => d.inputs.model)).toEqual(["openai/gpt-6-luna"]);
    expect(github.requestLines()).toContain("GET /repos/octo-org/widgets/contents/src/a.ts");
  });
});
