// Turns failing checks (CI output, which is untrusted text) into a bounded digest for humans and the next attempt.
import { sanitizeUntrustedText } from "../director/untrusted-text.js";
import type { FailingCheck } from "./verdict.js";

export interface CheckAnnotation {
  path: string;
  startLine: number | null;
  level: string | null;
  message: string;
}

const MAX_DIGEST_CHARS = 6_000;
const MAX_SUMMARY_CHARS = 800;
const MAX_ANNOTATIONS_PER_CHECK = 10;

export function renderFailureDigest(failing: readonly FailingCheck[], annotations: ReadonlyMap<number, readonly CheckAnnotation[]>): string {
  const sections: string[] = [];
  for (const check of failing) {
    const lines = [`Check "${sanitizeUntrustedText(check.name, 200)}": ${check.conclusion}`];
    if (check.title) lines.push(`Title: ${sanitizeUntrustedText(check.title, 300)}`);
    if (check.summary) lines.push(`Summary: ${sanitizeUntrustedText(check.summary, MAX_SUMMARY_CHARS)}`);
    const notes = check.checkRunId === null ? [] : (annotations.get(check.checkRunId) ?? []);
    for (const note of notes.filter((n) => n.level !== "notice").slice(0, MAX_ANNOTATIONS_PER_CHECK)) {
      const where = note.startLine === null ? note.path : `${note.path}:${note.startLine}`;
      lines.push(`- ${sanitizeUntrustedText(where, 200)}: ${sanitizeUntrustedText(note.message, 400)}`);
    }
    sections.push(lines.join("\n"));
  }
  return sanitizeUntrustedText(sections.join("\n\n"), MAX_DIGEST_CHARS);
}
