// Owns reading Aider's words: the session cost from its chat history and the failure markers it prints (aider-cli.md §4, §6).

const COST = /Cost: \$([\d.]+) message, \$([\d.]+) session\./g;

/** The last `session` cost in USD, or undefined when Aider printed none (unpriced model, or no LLM call succeeded). */
export function parseSessionCost(chatHistory: string): number | undefined {
  // Tool lines may still wrap ("$0.67\nsession."), and the chat history prefixes them with "> ".
  const flat = chatHistory.replace(/\n>\s?/g, " ").replace(/\s+/g, " ");
  let last: number | undefined;
  for (const match of flat.matchAll(COST)) {
    const value = Number(match[2]);
    if (Number.isFinite(value)) last = value;
  }
  return last;
}

const MARKERS: ReadonlyArray<[RegExp, string]> = [
  [/The API provider is not able to authenticate you/, "the LLM provider rejected the API key"],
  [/has hit a token limit!/, "the model hit a token limit"],
  [/Only 3 reflections allowed, stopping\./, "edits still failed after 3 reflections"],
  [/SEARCH\/REPLACE blocks? failed to match/, "edit blocks failed to match the files"],
  [/The LLM did not conform to the edit format\./, "the LLM did not follow the edit format"],
  [/Unable to commit:/, "Aider could not commit"],
];

/** Short, fixed descriptions of the failure markers present in Aider's output (never echoes the output itself). */
export function detectProblems(text: string): string[] {
  const found: string[] = [];
  const apiError = /litellm\.([A-Za-z]{1,60}Error)\b/.exec(text);
  if (apiError) found.push(`LLM API error (${apiError[1]})`);
  for (const [pattern, description] of MARKERS) if (pattern.test(text)) found.push(description);
  return found;
}
