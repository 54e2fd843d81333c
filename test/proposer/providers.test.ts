// The real SDKs against nock'd endpoints: usage normalisation, cost, the SDKs' retries and Moose's error policy.
import nock from "nock";
import { describe, expect, it } from "vitest";
import { actualCostUsd } from "../../src/manager/budget.js";
import { findModel, loadModelCatalog } from "../../src/manager/model-catalog.js";
import {
  availableProviders,
  createProviderClients,
  ProviderCallError,
  proposeWith,
  proposeWithAnthropic,
  proposeWithOpenAI,
} from "../../src/proposer/providers.js";

const prompt = { system: "You are the proposer.", user: "Work order: add a flag." };
const catalog = loadModelCatalog(undefined, { now: new Date("2026-11-20T00:00:00Z") });
const entry = (id: string) => {
  const m = findModel(catalog, id);
  if (!m) throw new Error(`no ${id}`);
  return m;
};
// retry-after-ms keeps the SDKs' back-off to a millisecond.
const fastRetry = { "retry-after-ms": "1" };

const anthropicReply = (over: Record<string, unknown> = {}) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-5-5",
  content: [
    { type: "thinking", thinking: "hmm", signature: "sig" },
    { type: "text", text: "PLAN: 1. edit README\nAIDER INSTRUCTION: add the flag" },
  ],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: {
    input_tokens: 1200,
    output_tokens: 300,
    cache_read_input_tokens: 5000,
    cache_creation_input_tokens: 800,
    cache_creation: { ephemeral_5m_input_tokens: 600, ephemeral_1h_input_tokens: 200 },
  },
  ...over,
});

const openaiReply = (over: Record<string, unknown> = {}) => ({
  id: "chatcmpl_1",
  object: "chat.completion",
  created: 1_790_000_000,
  model: "gpt-6-sol",
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "PLAN: 1. x\nAIDER INSTRUCTION: y" } }],
  usage: {
    prompt_tokens: 10_000,
    completion_tokens: 400,
    total_tokens: 10_400,
    prompt_tokens_details: { cached_tokens: 6000, cache_write_tokens: 1000 },
    completion_tokens_details: { reasoning_tokens: 100 },
  },
  ...over,
});

const clients = (over: Parameters<typeof createProviderClients>[0] = {}) =>
  createProviderClients({ anthropicApiKey: "sk-ant-test", openaiApiKey: "sk-openai-test", maxRetries: 1, timeoutMs: 5000, ...over });

describe("Anthropic proposals", () => {
  it("returns the text and usage with cache reads and both cache-write lifetimes kept apart", async () => {
    const scope = nock("https://api.anthropic.com", { reqheaders: { authorization: "Bearer sk-ant-test" } })
      .post("/v1/messages", (body: Record<string, unknown>) => {
        expect(body).toMatchObject({ model: "claude-sonnet-5-5", max_tokens: 8000, system: prompt.system });
        expect(body.messages).toEqual([{ role: "user", content: prompt.user }]);
        return true;
      })
      .reply(200, anthropicReply(), { "request-id": "req_abc" });
    const result = await proposeWith(clients(), entry("claude-sonnet-5-5"), prompt);
    scope.done();
    expect(result).toMatchObject({
      text: "PLAN: 1. edit README\nAIDER INSTRUCTION: add the flag",
      model: "claude-sonnet-5-5",
      requestId: "req_abc",
      truncated: false,
      usage: { inputTokens: 1200, cacheReadTokens: 5000, cacheWriteTokens: 600, cacheWriteLongTokens: 200, outputTokens: 300 },
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    // 1200·2 + 5000·0.10 + 600·2.50 + 200·4 + 300·10 = 8200 per million
    expect(actualCostUsd(entry("claude-sonnet-5-5"), result.usage!)).toBe(0.0082);
  });

  it("counts undifferentiated cache writes as short-lived and flags a cut-off answer", async () => {
    nock("https://api.anthropic.com")
      .post("/v1/messages")
      .reply(200, anthropicReply({
        stop_reason: "max_tokens",
        usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: null, cache_creation: null },
      }));
    const result = await proposeWithAnthropic(clients().anthropic!, "claude-sonnet-5-5", prompt, 100);
    expect(result.truncated).toBe(true);
    expect(result.usage).toEqual({ inputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 30, cacheWriteLongTokens: 0, outputTokens: 20 });
  });

  it("lets the SDK retry a 429 and then succeeds", async () => {
    const scope = nock("https://api.anthropic.com")
      .post("/v1/messages")
      .reply(429, { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, fastRetry)
      .post("/v1/messages")
      .reply(200, anthropicReply());
    const result = await proposeWithAnthropic(clients().anthropic!, "claude-sonnet-5-5", prompt, 100);
    scope.done();
    expect(result.text).toContain("PLAN");
  });

  it("classifies overload exhausted by the SDK's retries as a reason to try the next model", async () => {
    nock("https://api.anthropic.com")
      .post("/v1/messages")
      .times(2)
      .reply(529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, fastRetry);
    const err = await proposeWithAnthropic(clients().anthropic!, "claude-opus-5-5", prompt, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect(err).toMatchObject({ kind: "next-model", status: 529, provider: "anthropic", model: "claude-opus-5-5" });
    expect((err as Error).message).toBe("anthropic model claude-opus-5-5: overloaded (529), also on the SDK's retries");
  });

  it("treats 401 as fatal without retrying, naming the variable to fix", async () => {
    nock("https://api.anthropic.com")
      .post("/v1/messages")
      .once()
      .reply(401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
    const err = await proposeWithAnthropic(clients().anthropic!, "claude-sonnet-5-5", prompt, 100).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "fatal", status: 401 });
    expect((err as Error).message).toContain("check ANTHROPIC_API_KEY");
  });

  it("treats an empty answer as a reason to try the next model", async () => {
    nock("https://api.anthropic.com").post("/v1/messages").reply(200, anthropicReply({ content: [] }));
    const err = await proposeWithAnthropic(clients().anthropic!, "claude-sonnet-5-5", prompt, 100).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "next-model", status: null });
  });
});

describe("OpenAI proposals", () => {
  it("takes cached reads and cache writes out of prompt_tokens and prices the rest", async () => {
    const scope = nock("https://api.openai.com", { reqheaders: { authorization: "Bearer sk-openai-test" } })
      .post("/v1/chat/completions", (body: Record<string, unknown>) => {
        expect(body).toMatchObject({ model: "gpt-6-sol", max_completion_tokens: 8000 });
        expect(body).not.toHaveProperty("max_tokens");
        return true;
      })
      .reply(200, openaiReply(), { "x-request-id": "req_oai" });
    const result = await proposeWith(clients(), entry("gpt-6-sol"), prompt);
    scope.done();
    expect(result).toMatchObject({
      model: "gpt-6-sol",
      requestId: "req_oai",
      usage: { inputTokens: 3000, cacheReadTokens: 6000, cacheWriteTokens: 1000, cacheWriteLongTokens: 0, outputTokens: 400 },
    });
    // 3000·2 + 6000·0.20 + 1000·2.50 + 400·10 = 13 700 per million
    expect(actualCostUsd(entry("gpt-6-sol"), result.usage!)).toBe(0.0137);
  });

  it("classifies 500s exhausted by the SDK's retries as a reason to try the next model", async () => {
    nock("https://api.openai.com")
      .post("/v1/chat/completions")
      .times(2)
      .reply(500, { error: { message: "boom", type: "server_error" } }, fastRetry);
    const err = await proposeWithOpenAI(clients().openai!, "gpt-6-sol", prompt, 100).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "next-model", status: 500, provider: "openai" });
  });

  it("lets the SDK retry a 429 and then succeeds", async () => {
    nock("https://api.openai.com")
      .post("/v1/chat/completions")
      .reply(429, { error: { message: "rate limited", type: "requests" } }, fastRetry)
      .post("/v1/chat/completions")
      .reply(200, openaiReply());
    const result = await proposeWithOpenAI(clients().openai!, "gpt-6-sol", prompt, 100);
    expect(result.usage?.outputTokens).toBe(400);
  });

  it("treats 401 and 400 as fatal", async () => {
    nock("https://api.openai.com")
      .post("/v1/chat/completions")
      .reply(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } })
      .post("/v1/chat/completions")
      .reply(400, { error: { message: "max_completion_tokens is too large", type: "invalid_request_error" } });
    const openai = clients().openai!;
    await expect(proposeWithOpenAI(openai, "gpt-6-sol", prompt, 100)).rejects.toMatchObject({ kind: "fatal", status: 401 });
    const bad = await proposeWithOpenAI(openai, "gpt-6-sol", prompt, 100).catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: "fatal", status: 400 });
    expect((bad as Error).message).toContain("max_completion_tokens is too large");
  });

  it("moves on when the request times out", async () => {
    // A server that never answers; the SDK's timeout aborts the request.
    const hang: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const { openai } = clients({ timeoutMs: 50, maxRetries: 0, fetch: hang });
    const err = await proposeWithOpenAI(openai!, "gpt-6-sol", prompt, 100).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "next-model", status: null });
    expect((err as Error).message).toContain("timed out");
  });
});

describe("OpenAI-compatible servers", () => {
  it("calls the base URL with max_tokens and a placeholder key, and survives missing usage", async () => {
    const scope = nock("http://127.0.0.1:11434")
      .post("/v1/chat/completions", (body: Record<string, unknown>) => {
        expect(body).toMatchObject({ model: "qwen-coder", max_tokens: 2000 });
        return true;
      })
      .reply(200, openaiReply({ model: "qwen-coder", usage: undefined }));
    const local = createProviderClients({ openaiBaseUrl: "http://127.0.0.1:11434/v1", maxRetries: 0 });
    expect(availableProviders(local)).toEqual(["openai-compatible"]);
    const model = { ...entry("gpt-6-sol"), id: "qwen-coder", provider: "openai-compatible" as const, max_output_tokens: 2000 };
    const result = await proposeWith(local, model, prompt);
    scope.done();
    expect(result).toMatchObject({ model: "qwen-coder", usage: null, truncated: false });
  });

  it("refuses a provider without credentials as fatal, naming what to set", async () => {
    const none = createProviderClients({});
    expect(availableProviders(none)).toEqual([]);
    await expect(proposeWith(none, entry("claude-haiku-5-5"), prompt)).rejects.toMatchObject({
      kind: "fatal",
      message: "anthropic model claude-haiku-5-5: provider not configured: set ANTHROPIC_API_KEY",
    });
  });
});
