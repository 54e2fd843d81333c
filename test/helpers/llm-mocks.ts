// nock replies in the providers' documented response shapes, for tests that run the real SDKs.
import nock from "nock";

export const ANTHROPIC_API = "https://api.anthropic.com";
export const OPENAI_API = "https://api.openai.com";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

export function anthropicMessage(text: string, usage: AnthropicUsage = { input_tokens: 1_000, output_tokens: 200 }, model = "claude-haiku-5-5") {
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...usage },
  };
}

/** Anthropic's Messages endpoint answering `times` proposals; `onModel` sees which model each call asked for. */
export function mockAnthropicProposals(times = 1, onModel?: (model: string) => void): nock.Scope {
  return nock(ANTHROPIC_API)
    .post("/v1/messages", (body: { model: string }) => {
      onModel?.(body.model);
      return true;
    })
    .times(times)
    .reply(200, anthropicMessage("PLAN: 1. change the files\nAIDER INSTRUCTION: make the change"));
}

export interface FakeAnthropicOptions {
  /** The proposal text (default: a short plan). */
  text?: string;
  usage?: AnthropicUsage;
  /** Milliseconds before each reply, so concurrent calls overlap. */
  delayMs?: number;
  /** Sees each request body as it arrives (before the delay). */
  onRequest?: (body: { model: string; [key: string]: unknown }) => void;
}

export interface RecordedLlmCalls {
  /** The `model` of every request, in arrival order. */
  models: string[];
  /** Requests not yet answered, and the most there ever were at once (to prove calls overlapped). */
  inFlight: number;
  maxInFlight: number;
}

const DEFAULT_PLAN = "PLAN: 1. change the files\nAIDER INSTRUCTION: make the change";

/**
 * Anthropic's Messages endpoint answering every call until the test ends (a persisted mock: it fails the test only
 * if it is never called).
 */
export function fakeAnthropic(options: FakeAnthropicOptions = {}): RecordedLlmCalls {
  const calls: RecordedLlmCalls = { models: [], inFlight: 0, maxInFlight: 0 };
  nock(ANTHROPIC_API)
    .persist()
    .post("/v1/messages")
    .reply(async (request: Request) => {
      // nock 15 hands reply functions the fetch Request itself.
      const body = (await request.json()) as { model: string };
      calls.models.push(body.model);
      calls.maxInFlight = Math.max(calls.maxInFlight, ++calls.inFlight);
      options.onRequest?.(body);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      calls.inFlight--;
      return [200, anthropicMessage(options.text ?? DEFAULT_PLAN, options.usage, body.model)];
    });
  return calls;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

export function openaiChatCompletion(text: string, usage: OpenAIUsage = { prompt_tokens: 1_000, completion_tokens: 200 }, model = "gpt-6-luna") {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_760_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: "stop", logprobs: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** OpenAI's Chat Completions endpoint answering `times` proposals; `onModel` sees which model each call asked for. */
export function mockOpenAIProposals(times = 1, onModel?: (model: string) => void, usage?: OpenAIUsage): nock.Scope {
  return nock(OPENAI_API)
    .post("/v1/chat/completions", (body: { model: string }) => {
      onModel?.(body.model);
      return true;
    })
    .times(times)
    .reply(async (request: Request) => [200, openaiChatCompletion(DEFAULT_PLAN, usage, ((await request.json()) as { model: string }).model)]);
}
