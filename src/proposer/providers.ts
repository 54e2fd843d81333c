// Owns the LLM provider boundary: SDK clients, one proposal call per provider, usage normalisation, error policy.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { NormalisedUsage } from "../manager/budget.js";
import type { ModelEntry, Provider } from "../manager/model-catalog.js";

export interface ProviderClients {
  anthropic: Anthropic | null;
  /** api.openai.com. */
  openai: OpenAI | null;
  /** Any server speaking OpenAI's Chat Completions at OPENAI_BASE_URL (Ollama, vLLM, LM Studio, gateways). */
  openaiCompatible: OpenAI | null;
}

export interface ProviderClientOptions {
  anthropicApiKey?: string | undefined;
  openaiApiKey?: string | undefined;
  /** The OpenAI-compatible server's base URL, e.g. `http://127.0.0.1:11434/v1`; it gets its own client. */
  openaiBaseUrl?: string | undefined;
  fetch?: typeof globalThis.fetch;
  /** Per attempt; also lets Anthropic's SDK accept non-streaming calls without its 10-minute size guard. */
  timeoutMs?: number;
  /** The SDKs' own retries (429, 408, 409, 5xx, connection errors); Moose then moves to the next model. */
  maxRetries?: number;
}

export const DEFAULT_PROVIDER_TIMEOUT_MS = 180_000;
export const DEFAULT_PROVIDER_MAX_RETRIES = 2;
const OPENAI_API_URL = "https://api.openai.com/v1";
/** Local servers ignore the key, but the OpenAI SDK refuses to construct without one. */
const PLACEHOLDER_API_KEY = "not-needed";

export function createProviderClients(options: ProviderClientOptions): ProviderClients {
  const common = {
    timeout: options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_PROVIDER_MAX_RETRIES,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  return {
    anthropic: options.anthropicApiKey ? new Anthropic({ ...common, apiKey: options.anthropicApiKey }) : null,
    // The base URL is explicit so OPENAI_BASE_URL (Moose's compatible server) never redirects real OpenAI calls.
    openai: options.openaiApiKey ? new OpenAI({ ...common, apiKey: options.openaiApiKey, baseURL: OPENAI_API_URL }) : null,
    openaiCompatible: options.openaiBaseUrl
      ? new OpenAI({ ...common, apiKey: options.openaiApiKey || PLACEHOLDER_API_KEY, baseURL: options.openaiBaseUrl })
      : null,
  };
}

/** The providers Moose can call with these clients, for routing. */
export function availableProviders(clients: ProviderClients): Provider[] {
  const providers: Provider[] = [];
  if (clients.anthropic) providers.push("anthropic");
  if (clients.openai) providers.push("openai");
  if (clients.openaiCompatible) providers.push("openai-compatible");
  return providers;
}

export interface ProposalPromptText {
  system: string;
  user: string;
}

export interface ProposalResult {
  text: string;
  /** Null when the server reported no usage (some compatible servers): settle at the reserved amount then. */
  usage: NormalisedUsage | null;
  latencyMs: number;
  /** The model id the provider says answered. */
  model: string;
  requestId: string | null;
  /** The output hit the token limit, so the plan may be cut short. */
  truncated: boolean;
}

/** `next-model`: worth trying the next model (rate limit, overload, outage, timeout, unknown model). `fatal`: not. */
export type ProviderFailureKind = "next-model" | "fatal";

export class ProviderCallError extends Error {
  readonly kind: ProviderFailureKind;
  readonly provider: Provider;
  readonly model: string;
  readonly status: number | null;

  constructor(kind: ProviderFailureKind, provider: Provider, model: string, status: number | null, reason: string, cause?: unknown) {
    super(`${provider} model ${model}: ${reason}`, { cause });
    this.name = "ProviderCallError";
    this.kind = kind;
    this.provider = provider;
    this.model = model;
    this.status = status;
  }
}

// Provider messages can quote the request; a short excerpt is enough for an escalation comment.
const excerpt = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

const KEY_VARIABLE: Record<Provider, string> = {
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
  "openai-compatible": "OPENAI_API_KEY / OPENAI_BASE_URL",
};

/** Maps an SDK error (after the SDK's own retries) to Moose's policy, with a reason a maintainer can act on. */
export function classifyProviderError(err: unknown, provider: Provider, model: string): ProviderCallError {
  if (err instanceof ProviderCallError) return err;
  const next = (status: number | null, reason: string) => new ProviderCallError("next-model", provider, model, status, reason, err);
  const fatal = (status: number | null, reason: string) => new ProviderCallError("fatal", provider, model, status, reason, err);
  const message = err instanceof Error ? excerpt(err.message) : String(err);

  if (err instanceof Anthropic.APIUserAbortError || err instanceof OpenAI.APIUserAbortError) return fatal(null, "the call was aborted");
  if (err instanceof Anthropic.APIConnectionTimeoutError || err instanceof OpenAI.APIConnectionTimeoutError) {
    return next(null, "timed out, also on the SDK's retries");
  }
  if (err instanceof Anthropic.APIConnectionError || err instanceof OpenAI.APIConnectionError) {
    return next(null, `could not connect, also on the SDK's retries (${message})`);
  }
  const status = err instanceof Anthropic.APIError || err instanceof OpenAI.APIError ? (err.status ?? null) : null;
  if (status === null) return fatal(null, `unexpected error: ${message}`);
  if (status === 429) return next(status, "rate limited (429), also on the SDK's retries");
  if (status === 529) return next(status, "overloaded (529), also on the SDK's retries");
  if (status >= 500) return next(status, `server error (${status}), also on the SDK's retries`);
  if (status === 408 || status === 409) return next(status, `request failed (${status}), also on the SDK's retries`);
  if (status === 404) return next(status, `model not found (404): retired, misspelt or not available to this key (${message})`);
  if (status === 401) return fatal(status, `authentication failed (401): check ${KEY_VARIABLE[provider]}`);
  if (status === 402) return fatal(status, "billing problem (402): the provider account cannot pay for calls");
  if (status === 403) return fatal(status, `permission denied (403): the key may not use this model (${message})`);
  return fatal(status, `request rejected (${status}): ${message}`);
}

/** Anthropic's `input_tokens` already excludes cache reads and writes. */
export function normaliseAnthropicUsage(usage: Anthropic.Usage): NormalisedUsage {
  const split = usage.cache_creation;
  return {
    inputTokens: usage.input_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: split ? split.ephemeral_5m_input_tokens : (usage.cache_creation_input_tokens ?? 0),
    cacheWriteLongTokens: split ? split.ephemeral_1h_input_tokens : 0,
    outputTokens: usage.output_tokens,
  };
}

/** OpenAI's `prompt_tokens` includes cached reads and cache writes; they are taken out of the uncached count. */
export function normaliseOpenAIUsage(usage: OpenAI.CompletionUsage): NormalisedUsage {
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    inputTokens: Math.max(0, usage.prompt_tokens - cacheRead - cacheWrite),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWriteLongTokens: 0,
    outputTokens: usage.completion_tokens,
  };
}

function requireText(text: string, provider: Provider, model: string): string {
  if (text.trim() === "") throw new ProviderCallError("next-model", provider, model, null, "the model returned no text");
  return text;
}

export async function proposeWithAnthropic(
  client: Anthropic,
  model: string,
  prompt: ProposalPromptText,
  maxTokens: number,
  clock: () => number = performance.now.bind(performance),
): Promise<ProposalResult> {
  const started = clock();
  const message = await client.messages
    .create({ model, max_tokens: maxTokens, system: prompt.system, messages: [{ role: "user", content: prompt.user }] })
    .catch((err: unknown) => {
      throw classifyProviderError(err, "anthropic", model);
    });
  const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
  return {
    text: requireText(text, "anthropic", model),
    usage: normaliseAnthropicUsage(message.usage),
    latencyMs: Math.round(clock() - started),
    model: message.model,
    requestId: message._request_id ?? null,
    truncated: message.stop_reason === "max_tokens",
  };
}

/**
 * Chat Completions, which OpenAI supports indefinitely and every OpenAI-compatible server speaks. Compatible servers
 * get the older `max_tokens` field, which more of them understand than `max_completion_tokens`.
 */
export async function proposeWithOpenAI(
  client: OpenAI,
  model: string,
  prompt: ProposalPromptText,
  maxTokens: number,
  options: { provider?: Extract<Provider, "openai" | "openai-compatible">; clock?: () => number } = {},
): Promise<ProposalResult> {
  const provider = options.provider ?? "openai";
  const clock = options.clock ?? performance.now.bind(performance);
  const started = clock();
  const completion = await client.chat.completions
    .create({
      model,
      messages: [
        { role: "system", content: prompt.system },
        { role: "user", content: prompt.user },
      ],
      ...(provider === "openai" ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }),
    })
    .catch((err: unknown) => {
      throw classifyProviderError(err, provider, model);
    });
  const choice = completion.choices[0];
  return {
    text: requireText(choice?.message.content ?? "", provider, model),
    usage: completion.usage ? normaliseOpenAIUsage(completion.usage) : null,
    latencyMs: Math.round(clock() - started),
    model: completion.model || model,
    requestId: completion._request_id ?? null,
    truncated: choice?.finish_reason === "length",
  };
}

/** Calls the catalogue entry's provider with its own output limit. */
export function proposeWith(clients: ProviderClients, model: ModelEntry, prompt: ProposalPromptText): Promise<ProposalResult> {
  const notConfigured = () =>
    Promise.reject(
      new ProviderCallError("fatal", model.provider, model.id, null, `provider not configured: set ${KEY_VARIABLE[model.provider]}`),
    );
  switch (model.provider) {
    case "anthropic":
      return clients.anthropic ? proposeWithAnthropic(clients.anthropic, model.id, prompt, model.max_output_tokens) : notConfigured();
    case "openai":
      return clients.openai ? proposeWithOpenAI(clients.openai, model.id, prompt, model.max_output_tokens) : notConfigured();
    case "openai-compatible":
      return clients.openaiCompatible
        ? proposeWithOpenAI(clients.openaiCompatible, model.id, prompt, model.max_output_tokens, { provider: "openai-compatible" })
        : notConfigured();
  }
}
