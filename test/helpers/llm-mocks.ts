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
