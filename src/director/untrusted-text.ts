// Owns the cleaning of text from people or machines Moose does not trust (issues, comments, LLM and CI output).

// Invisible or direction-changing characters let text say one thing to a reviewer and another to an LLM:
// format characters (zero-width, bidi controls, soft hyphen, Unicode "tag" characters used for ASCII smuggling),
// variation selectors (another smuggling channel) and the Hangul fillers that render as blank.
const INVISIBLE = /[\p{Cf}\p{Variation_Selector}\u115f\u1160\u3164\uffa0]/gu;
// Half of a surrogate pair is no character at all; some tools choke on it, none display it.
const LONE_SURROGATE = /\p{Cs}/gu;
// C0/C1 controls except tab and newline (carriage returns are normalised to newlines first).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// An HTML comment renders as nothing on GitHub; an unterminated one hides everything after it.
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
// A Markdown link reference definition renders as nothing either: `[//]: # (hidden text)`.
const LINK_REFERENCE_DEFINITION = /^ {0,3}\[[^\]\n]+\]:[ \t]*(?:<[^>\n]*>|\S+)(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$/gm;

const TRUNCATION_MARK = "…";

/**
 * Returns `text` as a human reviewer would read it on GitHub: NFC-normalised, `\n` line endings, without invisible,
 * bidi-control or control characters (tab and newline stay), without HTML comments or Markdown link reference
 * definitions (both render as nothing yet reach an LLM), and at most `maxLength` UTF-16 units long (cut at a
 * character boundary and ending in "…" when cut). Removes only; it never escapes, so the result is still untrusted
 * as shell, path or Markdown input.
 */
export function sanitizeUntrustedText(text: string, maxLength: number): string {
  // Bounded work on huge inputs (CI logs); hidden parts shrink the text, so keep some slack before cutting.
  let cleaned = text.length > maxLength * 4 + 4096 ? text.slice(0, maxLength * 4 + 4096) : text;
  cleaned = cleaned
    .replace(LONE_SURROGATE, "")
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(INVISIBLE, "")
    .replace(CONTROL, "")
    .normalize("NFC");
  // Removing one hidden part can join the pieces of another (`<!<!-- -->-- … -->`), so repeat until stable.
  for (let previous = ""; previous !== cleaned; ) {
    previous = cleaned;
    cleaned = cleaned.replace(HTML_COMMENT, "").replace(LINK_REFERENCE_DEFINITION, "");
  }
  return truncate(cleaned, maxLength);
}

function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 0) return "";
  let end = maxLength - TRUNCATION_MARK.length;
  // Never split a surrogate pair: half a character is not well-formed text.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, Math.max(0, end))}${TRUNCATION_MARK}`;
}

/**
 * Untrusted text (a path an LLM chose, a check name, a runner's reason) placed in a Moose comment as a code span, so
 * it can neither mention anyone, link, close an issue, nor format the comment around it.
 */
export function inlineCode(text: string, maxLength = 200): string {
  const clean = sanitizeUntrustedText(text, maxLength).replace(/\r?\n/g, " ");
  // A fence longer than any backtick run inside keeps the text exact and unable to close the span early.
  const fence = "`".repeat(Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}
