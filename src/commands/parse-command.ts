// Parses `/moose …` commands out of comment text; only whole lines that start with `/moose` count.

export type MooseCommand =
  | { name: "approve" }
  | { name: "cancel" }
  | { name: "status" }
  | { name: "retry"; model?: string; escalate: boolean };

export type ParsedCommand = { ok: true; command: MooseCommand } | { ok: false; error: string };

// Model ids are letters, digits and a few separators; anything else is refused before it reaches routing.
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

/** Returns the first `/moose` command in the comment, or null when there is none. Quoted lines (`>`) never count. */
export function parseMooseCommand(body: string | null | undefined): ParsedCommand | null {
  if (!body) return null;
  for (const rawLine of body.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!/^\/moose(\s|$)/i.test(line)) continue;
    const [, verb = "", ...args] = line.split(/\s+/);
    return parseVerb(verb.toLowerCase(), args);
  }
  return null;
}

function parseVerb(verb: string, args: string[]): ParsedCommand {
  switch (verb) {
    case "approve":
    case "cancel":
    case "status":
      return args.length === 0 ? { ok: true, command: { name: verb } } : { ok: false, error: `\`/moose ${verb}\` takes no arguments` };
    case "retry":
      return parseRetry(args);
    default:
      return { ok: false, error: `unknown command \`/moose ${verb.slice(0, 40)}\`; try approve, retry, cancel or status` };
  }
}

function parseRetry(args: string[]): ParsedCommand {
  if (args.length === 0) return { ok: true, command: { name: "retry", escalate: false } };
  if (args.length === 1 && args[0] === "--escalate") return { ok: true, command: { name: "retry", escalate: true } };
  if (args.length === 2 && args[0] === "--model") {
    const model = args[1] ?? "";
    if (!MODEL_ID.test(model)) return { ok: false, error: "`--model` needs a model id from the routing table" };
    return { ok: true, command: { name: "retry", model, escalate: false } };
  }
  return { ok: false, error: "usage: `/moose retry`, `/moose retry --model <id>` or `/moose retry --escalate`" };
}
