// Aider's cost and failure markers are read from its own output formats (aider-cli.md §4, §6).
import { describe, expect, it } from "vitest";
import { detectProblems, parseSessionCost } from "../../action/src/aider-output.js";

describe("parseSessionCost", () => {
  it("takes the last session value from the chat history", () => {
    const history = [
      "> Tokens: 7.7k sent, 8 received. Cost: $0.0097 message, $0.0097 session.  ",
      "> Tokens: 216k sent, 108k cache write, 1.4k received. Cost: $0.75 message, $0.79 session.  ",
    ].join("\n");
    expect(parseSessionCost(history)).toBe(0.79);
  });

  it("reads a cost line broken across lines", () => {
    expect(parseSessionCost("> Tokens: 1k sent, 2k cache write, 3k cache hit, 10 received.\n> Cost: $0.67 message, $0.67\n> session.")).toBe(0.67);
  });

  it("is unknown, not zero, when no cost was printed", () => {
    expect(parseSessionCost("> Tokens: 1.2k sent, 40 received.  ")).toBeUndefined();
    expect(parseSessionCost("")).toBeUndefined();
    expect(parseSessionCost("> Tokens: 1 sent, 1 received. Cost: $0.00 message, $0.00 session.")).toBe(0);
  });
});

describe("detectProblems", () => {
  it("names the markers without echoing the output", () => {
    const text = "litellm.RateLimitError: slow down <script>\nOnly 3 reflections allowed, stopping.\nUnable to commit: x";
    expect(detectProblems(text)).toEqual(["LLM API error (RateLimitError)", "edits still failed after 3 reflections", "Aider could not commit"]);
    expect(detectProblems("Applied edit to a.ts\nCommit abc123 feat: x")).toEqual([]);
  });
});
