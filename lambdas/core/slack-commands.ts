import * as z from 'zod';
import { personText, TEXT_LIMITS } from './limits';
import { Level } from './model';

/**
 * The fields Firebreak uses of a slash command's form body (`application/x-www-form-urlencoded`); Slack sends
 * more (and adds fields over time), which are ignored. `text` is what follows the command.
 */
export const SlackCommandPayload = z.object({
  team_id: z.string().min(1, { error: 'must name the Slack workspace' }),
  user_id: z.string().min(1, { error: 'must name the Slack user' }),
  user_name: z.string().default(''),
  channel_id: z.string().min(1, { error: 'must name the channel' }),
  command: z.string().startsWith('/', { error: 'must be the slash command, like /incident' }),
  text: z.string().default(''),
  response_url: z.url({ protocol: /^https$/, error: 'must be the https URL Slack gives for late answers' }),
  trigger_id: z.string().optional(),
});
export type SlackCommandPayload = z.infer<typeof SlackCommandPayload>;

/** A form body as Slack sends it, decoded to its fields (the last one wins when a name repeats). */
export function formFields(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody));
}

/** What `/incident <text>` asks for, once read. */
export type SlackCommand =
  | { name: 'create'; title: string; impact?: Level; urgency?: Level; service?: string }
  | { name: 'ack'; incidentId: string }
  | { name: 'resolve'; incidentId: string; resolution: string }
  | { name: 'update'; incidentId: string; message: string }
  | { name: 'status'; incidentId: string }
  | { name: 'list' }
  | { name: 'diag'; incidentId: string; runbook?: string }
  | { name: 'help' };

export type ParsedSlackCommand = { ok: true; command: SlackCommand } | { ok: false; message: string };

/** The answer to `/incident help`, and the hint after every refusal. */
export const SLACK_USAGE = [
  '`/incident create "<title>" [impact=high|medium|low] [urgency=high|medium|low] [service=<name>]`',
  '`/incident ack <id>`',
  '`/incident resolve <id> "<resolution>"`',
  '`/incident update <id> "<message>"`',
  '`/incident status <id>`',
  '`/incident list` (open incidents by priority)',
  '`/incident diag <id> [runbook]`',
  '`/incident help`',
].join('\n');

const ALIASES: Record<string, SlackCommand['name']> = {
  create: 'create',
  new: 'create',
  ack: 'ack',
  acknowledge: 'ack',
  resolve: 'resolve',
  update: 'update',
  status: 'status',
  list: 'list',
  diag: 'diag',
  diagnose: 'diag',
  help: 'help',
};

/** `INC-20261127-0042`, any case as typed. */
const INCIDENT_ID = /^INC-[0-9]{8}-[0-9]{4,}$/i;
const RUNBOOK_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Double quotes as typed, and as Slack's clients turn them into typographic ones; any one closes any other. */
const QUOTES: ReadonlySet<string> = new Set(['"', '\u201c', '\u201d']);

const Title = personText(TEXT_LIMITS.title);
const Note = personText(TEXT_LIMITS.note);
const Service = personText(TEXT_LIMITS.name);

class CommandError extends Error {}

/**
 * Reads the text after `/incident`. Quoted words (straight or typographic double quotes) stay one word; a
 * title, resolution or message may also be typed without quotes, as the rest of the line. Every refusal
 * says what is wrong and how to write it; nothing is guessed.
 */
export function parseSlackCommand(text: string): ParsedSlackCommand {
  try {
    return { ok: true, command: parse(words(text)) };
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return { ok: false, message: `${error.message}. Try \`/incident help\`.` };
  }
}

type Word = { text: string; quoted: boolean };

function words(text: string): Word[] {
  const found: Word[] = [];
  let index = 0;
  while (index < text.length) {
    if (/\s/u.test(text.charAt(index))) {
      index += 1;
      continue;
    }
    if (QUOTES.has(text.charAt(index))) {
      const close = closingQuote(text, index + 1);
      found.push({ text: text.slice(index + 1, close), quoted: true });
      index = close + 1;
      continue;
    }
    // A word ends at a space; `key="a value"` keeps its quoted value whole.
    let end = index;
    while (end < text.length && !/\s/u.test(text.charAt(end)))
      end = QUOTES.has(text.charAt(end)) ? closingQuote(text, end + 1) + 1 : end + 1;
    found.push({ text: text.slice(index, end), quoted: false });
    index = end;
  }
  return found;
}

function closingQuote(text: string, from: number): number {
  for (let at = from; at < text.length; at++) if (QUOTES.has(text.charAt(at))) return at;
  throw new CommandError('A quote is not closed');
}

function parse(all: Word[]): SlackCommand {
  const [first, ...rest] = all;
  if (!first) return { name: 'help' };
  const name = ALIASES[first.text.toLowerCase()];
  if (!name) throw new CommandError(`"${clip(first.text)}" is not a command`);
  switch (name) {
    case 'help':
    case 'list':
      if (rest.length > 0) throw new CommandError(`\`${name}\` takes nothing after it`);
      return { name };
    case 'create':
      return create(rest);
    case 'ack':
    case 'status':
      return { name, incidentId: single(name, rest) };
    case 'resolve':
    case 'update': {
      const [id, ...text] = rest;
      const incidentId = incident(name, id);
      const what = name === 'resolve' ? 'resolution' : 'message';
      const value = checked(Note, joined(text), what, `\`${name} <id> "<${what}>"\` needs the ${what}`);
      return name === 'resolve'
        ? { name, incidentId, resolution: value }
        : { name, incidentId, message: value };
    }
    case 'diag': {
      const [id, runbook, ...extra] = rest;
      const incidentId = incident(name, id);
      if (extra.length > 0) throw new CommandError('`diag <id> [runbook]` takes at most one runbook');
      if (runbook === undefined) return { name, incidentId };
      if (!RUNBOOK_NAME.test(runbook.text))
        throw new CommandError(`runbook: "${clip(runbook.text)}" is not a runbook name`);
      return { name, incidentId, runbook: runbook.text };
    }
  }
}

function create(rest: Word[]): SlackCommand {
  const title: Word[] = [];
  const options: { impact?: Level; urgency?: Level; service?: string } = {};
  for (const word of rest) {
    const equals = word.quoted ? -1 : word.text.indexOf('=');
    if (equals <= 0) {
      title.push(word);
      continue;
    }
    const key = word.text.slice(0, equals).toLowerCase();
    const value = unquote(word.text.slice(equals + 1));
    if (key === 'impact' || key === 'urgency') {
      const level = Level.safeParse(value.toLowerCase());
      if (!level.success) throw new CommandError(`${key}: must be high, medium or low, not "${clip(value)}"`);
      options[key] = level.data;
    } else if (key === 'service') {
      options.service = checked(Service, value, 'service', 'service= needs a name');
    } else {
      throw new CommandError(
        `"${clip(key)}=" is not an option of create: give impact=, urgency= or service=`,
      );
    }
  }
  const text = checked(Title, joined(title), 'title', '`create "<title>"` needs a title');
  return { name: 'create', title: text, ...options };
}

function single(name: string, rest: Word[]): string {
  if (rest.length > 1) throw new CommandError(`\`${name} <id>\` takes one incident id`);
  return incident(name, rest[0]);
}

function incident(name: string, word: Word | undefined): string {
  if (!word) throw new CommandError(`\`${name}\` needs an incident id, like INC-20261127-0042`);
  if (!INCIDENT_ID.test(word.text))
    throw new CommandError(`"${clip(word.text)}" is not an incident id (like INC-20261127-0042)`);
  return word.text.toUpperCase();
}

function joined(text: Word[]): string {
  return text.map((word) => word.text).join(' ');
}

function unquote(value: string): string {
  return value.length >= 2 && QUOTES.has(value.charAt(0)) && QUOTES.has(value.charAt(value.length - 1))
    ? value.slice(1, -1)
    : value;
}

function checked(schema: z.ZodType<string>, value: string, field: string, empty: string): string {
  if (value.trim() === '') throw new CommandError(empty);
  const result = schema.safeParse(value);
  if (!result.success)
    throw new CommandError(`${field}: ${result.error.issues[0]?.message ?? 'is not valid'}`);
  return result.data;
}

/** What a refusal repeats of the user's text: short, on one line. */
function clip(value: string): string {
  const line = value.replace(/\s+/g, ' ');
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
}
