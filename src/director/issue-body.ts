// Owns reading a work order out of an issue: the shipped issue form's sections, or free-form Markdown headings.
import { RISK_LEVELS } from "../config/repo-config.js";
import type { NewWorkOrder, RiskLevel } from "../store/store.js";
import { sanitizeUntrustedText } from "./untrusted-text.js";

/** The parts of a work order an issue supplies; `dependsOn` holds issue numbers in the same repository. */
export type WorkOrderFields = Pick<
  NewWorkOrder,
  "title" | "description" | "acceptanceCriteria" | "filesInScope" | "riskLevel" | "dependsOn"
>;

export type ParsedIssueBody =
  | { ok: true; fields: WorkOrderFields }
  | { ok: false; missing: string[]; problems: string[] };

export const ISSUE_LIMITS = {
  titleChars: 256,
  /** GitHub's own cap on an issue body, with room for what sanitising removes. */
  bodyChars: 70_000,
  descriptionChars: 20_000,
  criterionChars: 1_000,
  criteria: 50,
  files: 100,
  pathChars: 1_000,
  dependencies: 50,
} as const;

type Section = "description" | "acceptanceCriteria" | "filesInScope" | "riskLevel" | "dependsOn";

/** The shipped issue form's labels (its `### <label>` headings) come first; the rest are free-form synonyms. */
const SECTION_HEADINGS: Record<Section, readonly string[]> = {
  description: ["description", "summary", "context", "background", "overview", "problem", "details"],
  acceptanceCriteria: [
    "acceptance criteria",
    "acceptance criterion",
    "criteria",
    "success criteria",
    "definition of done",
    "done when",
  ],
  filesInScope: ["files in scope", "files", "scope", "affected files", "files to change", "paths"],
  riskLevel: ["risk level", "risk"],
  dependsOn: ["depends on", "dependencies", "dependency", "blocked by"],
};

const HEADING_TO_SECTION = new Map<string, Section>(
  Object.entries(SECTION_HEADINGS).flatMap(([section, names]) => names.map((name) => [name, section as Section] as const)),
);

// What the issue form writes for a field left empty (`_No response_`; `None` for a dropdown), and the usual
// ways people write "nothing" by hand.
const EMPTY_ANSWERS = new Set(["_no response_", "none", "n/a", "na", "-", "no", "nothing"]);

export const MISSING_DESCRIPTION = "Description (what should change, and why)";
export const MISSING_ACCEPTANCE_CRITERIA = "Acceptance criteria (a list of checkable statements)";
// Required because the runner only lets Aider change these paths: with none, no change could ever be accepted.
export const MISSING_FILES_IN_SCOPE = "Files in scope (the files or folders Moose may change, one per line)";

export function parseIssueBody(title: string, body: string | null): ParsedIssueBody {
  const sections = splitSections(sanitizeUntrustedText(body ?? "", ISSUE_LIMITS.bodyChars));
  const problems: string[] = [];

  const description = sanitizeUntrustedText(
    [sections.preamble, ...sections.description].map(answerText).filter(Boolean).join("\n\n"),
    ISSUE_LIMITS.descriptionChars,
  );
  const acceptanceCriteria = listEntries(sections.acceptanceCriteria).map((entry) =>
    sanitizeUntrustedText(entry, ISSUE_LIMITS.criterionChars),
  );
  if (acceptanceCriteria.length > ISSUE_LIMITS.criteria) {
    problems.push(
      `Acceptance criteria: ${acceptanceCriteria.length} items; at most ${ISSUE_LIMITS.criteria} are accepted (split the work into several issues)`,
    );
  }
  const filesInScope = parseFiles(sections.filesInScope, problems);
  const riskLevel = parseRisk(sections.riskLevel, problems);
  const dependsOn = parseDependencies(sections.dependsOn, problems);

  const missing: string[] = [];
  if (description.trim() === "") missing.push(MISSING_DESCRIPTION);
  if (acceptanceCriteria.length === 0) missing.push(MISSING_ACCEPTANCE_CRITERIA);
  if (filesInScope.length === 0 && !problems.some((p) => p.startsWith("Files in scope"))) missing.push(MISSING_FILES_IN_SCOPE);
  if (missing.length > 0 || problems.length > 0) return { ok: false, missing, problems };

  return {
    ok: true,
    fields: {
      title: sanitizeUntrustedText(title, ISSUE_LIMITS.titleChars).replace(/\s+/g, " ").trim(),
      description: description.trim(),
      acceptanceCriteria,
      filesInScope,
      riskLevel,
      dependsOn,
    },
  };
}

interface Sections extends Record<Section, string[]> {
  /** Text before the first recognised heading. */
  preamble: string;
}

/**
 * Splits Markdown at recognised headings (`#`…`######`, a line that is only bold text, or `Label:` alone on a
 * line), ignoring anything inside fenced code. Unrecognised headings stay in the text of the section they are in.
 * Risk and dependencies may also be answered inline (`Risk: high`).
 */
function splitSections(text: string): Sections {
  const sections: Sections = {
    preamble: "",
    description: [],
    acceptanceCriteria: [],
    filesInScope: [],
    riskLevel: [],
    dependsOn: [],
  };
  let current: Section | "preamble" = "preamble";
  let buffer: string[] = [];
  const flush = () => {
    const content = buffer.join("\n");
    if (current === "preamble") sections.preamble = content;
    else sections[current].push(content);
    buffer = [];
  };
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch?.[1]) {
      if (fence === null) fence = fenceMatch[1];
      else if (fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length) fence = null;
    }
    const outsideCode = fence === null && !fenceMatch;
    const inline = outsideCode ? inlineField(line) : undefined;
    const section = outsideCode && !inline ? headingSection(line) : undefined;
    if (inline) {
      sections[inline.section].push(inline.value);
    } else if (section) {
      flush();
      current = section;
    } else {
      buffer.push(line);
    }
  }
  flush();
  return sections;
}

function headingSection(line: string): Section | undefined {
  const text =
    /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1] ??
    /^[ \t]*(?:\*\*|__)(.+?)(?:\*\*|__)[ \t]*:?[ \t]*$/.exec(line)?.[1] ??
    /^[ \t]*([A-Za-z][A-Za-z ]{2,30}):[ \t]*$/.exec(line)?.[1];
  if (text === undefined) return undefined;
  const name = text
    .replace(/[*_`]/g, "")
    .replace(/:\s*$/, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
  return HEADING_TO_SECTION.get(name);
}

// One-line answers are usually written inline ("Risk: high", "**Depends on:** #12"); the text around them keeps
// its section.
const INLINE_SECTIONS: readonly Section[] = ["riskLevel", "dependsOn"];

function inlineField(line: string): { section: Section; value: string } | undefined {
  const match = /^[ \t]*(?:[-*][ \t]+)?(?:\*\*|__)?([A-Za-z][A-Za-z ]{2,20}?)[ \t]*(?::(?:\*\*|__)|(?:\*\*|__)?:)[ \t]*(\S.*)$/.exec(line);
  const section = match?.[1] ? HEADING_TO_SECTION.get(match[1].trim().toLowerCase()) : undefined;
  return section && INLINE_SECTIONS.includes(section) && match?.[2] ? { section, value: match[2].trim() } : undefined;
}

/** A section's text, or "" when it is one of the ways of saying "nothing". */
function answerText(text: string): string {
  const trimmed = text.trim();
  return EMPTY_ANSWERS.has(trimmed.toLowerCase()) ? "" : trimmed;
}

const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(.*)$/;

/**
 * Entries of list-like sections: each list item (`-`, `*`, `+`, `1.`, `1)`, with or without a `[ ]` checkbox) or
 * plain line is one entry; an indented line right after an item continues it. A plain line ending in ":" just
 * introduces the list, and fence lines only frame it.
 */
function listEntries(texts: readonly string[]): string[] {
  const entries: string[] = [];
  for (const text of texts) {
    if (answerText(text) === "") continue;
    let previousWasItem = false;
    for (const line of text.split("\n")) {
      if (line.trim() === "" || /^ {0,3}(`{3,}|~{3,})/.test(line)) {
        previousWasItem = false;
        continue;
      }
      const item = LIST_ITEM.exec(line);
      if (item) {
        entries.push((item[1] ?? "").trim());
        previousWasItem = true;
      } else if (previousWasItem && /^[ \t]{2,}/.test(line)) {
        entries[entries.length - 1] = `${entries[entries.length - 1] ?? ""} ${line.trim()}`;
      } else if (!line.trim().endsWith(":")) {
        entries.push(line.trim());
        previousWasItem = false;
      }
    }
  }
  return entries.filter((entry) => entry !== "" && !EMPTY_ANSWERS.has(entry.toLowerCase()));
}

/**
 * Why `path` may not be a file in scope, or null when it may: it must be relative to the repository root and stay
 * inside it, and must not touch `.github/` (workflows run with the repository's secrets) or `.git/`.
 */
export function checkRepoRelativePath(path: string): string | null {
  if (path === "") return "is empty";
  if (path.length > ISSUE_LIMITS.pathChars) return `is longer than ${ISSUE_LIMITS.pathChars} characters`;
  if (/[\u0000-\u001f\u007f]/.test(path)) return "contains control characters";
  if (path.includes("\\")) return "contains a backslash (use / between folders)";
  if (path.startsWith("/") || path.startsWith("~") || /^[A-Za-z]:/.test(path)) return "is absolute (give a path relative to the repository root)";
  if (path.startsWith("-")) return "starts with '-'";
  const segments = path.split("/");
  if (segments.includes("..")) return "leaves the repository ('..')";
  if (segments.slice(0, -1).some((segment) => segment === "" || segment === ".")) return "has an empty or '.' folder";
  if (segments[0]?.toLowerCase() === ".github") return "is under .github/ (Moose never changes workflows or repository settings)";
  if (segments.some((segment) => segment.toLowerCase() === ".git")) return "is inside .git/";
  return null;
}

/**
 * Paths named by one list entry: each code span (`` `src/app.ts` (the entry point) ``), else each comma-separated
 * part with any trailing commentary (" (…)", " - …", " — …", ": …") dropped; a Markdown link counts as its text.
 */
function pathsInEntry(entry: string): string[] {
  const text = entry.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
  const spans = [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
  const parts = spans.length > 0 ? spans : text.split(",").map((part) => part.replace(/\s+(?:[(#:]|[-–—]\s).*$/, ""));
  return parts.map((part) => part.trim().replace(/^\.\//, "")).filter(Boolean);
}

function parseFiles(texts: readonly string[], problems: string[]): string[] {
  const files: string[] = [];
  for (const path of listEntries(texts).flatMap(pathsInEntry)) {
    const problem = checkRepoRelativePath(path);
    if (problem) problems.push(`Files in scope: ${JSON.stringify(path.slice(0, 200))} ${problem}`);
    else if (!files.includes(path)) files.push(path);
  }
  if (files.length > ISSUE_LIMITS.files) {
    problems.push(`Files in scope: ${files.length} paths; at most ${ISSUE_LIMITS.files} are accepted (name folders instead)`);
  }
  return files;
}

/** Medium when unanswered; when the issue states several levels (form and inline), the highest one holds. */
function parseRisk(texts: readonly string[], problems: string[]): RiskLevel {
  let highest: RiskLevel | undefined;
  for (const answer of texts.map(answerText).filter(Boolean)) {
    const word = answer.replace(/[*_`]/g, "").trim().toLowerCase().split(/[\s:—–(-]+/)[0] ?? "";
    const level = RISK_LEVELS.find((candidate) => candidate === word);
    if (!level) {
      problems.push(`Risk level: expected ${RISK_LEVELS.join(", ")}, got ${JSON.stringify(answer.slice(0, 60))}`);
    } else if (highest === undefined || RISK_LEVELS.indexOf(level) > RISK_LEVELS.indexOf(highest)) {
      highest = level;
    }
  }
  return highest ?? "medium";
}

function parseDependencies(texts: readonly string[], problems: string[]): number[] {
  const numbers: number[] = [];
  const tokens = listEntries(texts)
    .flatMap((entry) => entry.split(/[\s,;]+/))
    .filter((token) => token !== "" && token !== "and" && token !== "&");
  for (const token of tokens) {
    const match = /^#?(\d{1,9})$/.exec(token);
    const issue = match?.[1] ? Number(match[1]) : 0;
    if (issue > 0) {
      if (!numbers.includes(issue)) numbers.push(issue);
    } else if (!EMPTY_ANSWERS.has(token.toLowerCase())) {
      problems.push(
        `Depends on: ${JSON.stringify(token.slice(0, 100))} is not an issue of this repository (write #12 or 12)`,
      );
    }
  }
  if (numbers.length > ISSUE_LIMITS.dependencies) {
    problems.push(`Depends on: ${numbers.length} issues; at most ${ISSUE_LIMITS.dependencies} are accepted`);
  }
  return numbers;
}
