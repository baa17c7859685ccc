import type { z } from 'zod';
import type { Signal } from '#core/model';

/** Why an event, or one item inside it, cannot become a signal. */
export interface Rejection {
  reason: string;
  /** Dotted path of the offending field, e.g. `detail.state.value` or `detail.findings[1].Id`. */
  field?: string;
}

export type NormalizeResult =
  | { kind: 'signals'; signals: Signal[]; rejected: Rejection[] }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; rejection: Rejection };

export type Path = readonly PropertyKey[];

export type Parsed<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

/** `detail.findings[1].Id` style: dots between keys, brackets around array indices. */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function rejection(path: Path, text: string): Rejection {
  const field = formatPath(path);
  return field === '' ? { reason: `event: ${text}` } : { field, reason: `${field}: ${text}` };
}

/** Parses `input` found at `at`; the first zod issue becomes a Rejection in plain words. */
export function parseAt<S extends z.ZodType>(schema: S, input: unknown, at: Path = []): Parsed<z.output<S>> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, rejection: rejection(at, 'is not valid') };
  return { ok: false, rejection: rejection([...at, ...issue.path], explain(issue)) };
}

/**
 * For fields that only inform (previous state, reasonData, metric descriptions, tags): a malformed value
 * must never cost a page, so it is dropped and the problem kept in `warnings` for the timeline.
 */
export function parseInformational<S extends z.ZodType>(
  schema: S,
  input: unknown,
  at: Path,
  warnings: string[],
): z.output<S> | undefined {
  if (input === undefined) return undefined;
  const parsed = parseAt(schema, input, at);
  if (parsed.ok) return parsed.value;
  warnings.push(parsed.rejection.reason);
  return undefined;
}

function explain(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `is missing (expected ${typeName(issue.expected)})`
        : `expected ${typeName(issue.expected)}, got ${describe(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.join(', ')}`}, got ${describe(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item(s)`;
      return `must be at least ${issue.minimum}, got ${describe(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters long`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} item(s)`;
      return `must be at most ${issue.maximum}, got ${describe(issue.input)}`;
    case 'invalid_union':
      return `does not match any accepted form, got ${describe(issue.input)}`;
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'an object';
    case 'array':
      return 'an array';
    case 'boolean':
      return 'true or false';
    case 'int':
      return 'an integer';
    default:
      return `a ${expected}`;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops undefined entries so details stay storable as-is (DynamoDB rejects undefined attributes). */
export function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Labels from the entries that have a value. */
export function labels(entries: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries))
    if (value !== undefined && value !== '') out[key] = value;
  return out;
}
