import { type Categorization, parseCategoryTag } from '#core/categorize';
import { Level, Severity } from '#core/model';
import { describe, isRecord } from './parse';

/** What an alarm's tags ask of Firebreak, on top of the defaults its source gives. */
export interface TagOverrides {
  service?: string;
  team?: string;
  impact?: Level;
  urgency?: Level;
  severity?: Severity;
  category?: Categorization;
  autoResolve?: boolean;
  /** `off` keeps the alarm's alerts out of every group: each gets an incident of its own. */
  group?: GroupTag;
}

export const GROUP_TAG_VALUES = ['on', 'off'] as const;
export type GroupTag = (typeof GROUP_TAG_VALUES)[number];

/** `on` or `off`, in any case and with spaces around, as a person tags; anything else is undefined. */
export function readGroupTag(value: string): GroupTag | undefined {
  return GROUP_TAG_VALUES.find((known) => known === value.trim().toLowerCase());
}

export interface AlarmTags {
  /** Every tag with a string value, carried to the incident as labels. */
  labels: Record<string, string>;
  overrides: TagOverrides;
  /** Tags Firebreak could not honour, with why; kept in the signal's details so the owner can fix them. */
  ignored: Record<string, string>;
}

type Reader<T> = (value: string) => T | { problem: string };

const text: Reader<string> = (value) =>
  value.trim() === '' ? { problem: 'must not be empty' } : value.trim();

function oneOf<T extends string>(values: readonly T[]): Reader<T> {
  return (value) =>
    values.find((known) => known === value.trim().toLowerCase()) ??
    ({ problem: `expected one of ${values.join(', ')}, got ${describe(value)}` } as const);
}

const bool: Reader<boolean> = (value) => {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  return { problem: `expected true or false, got ${describe(value)}` };
};

function category(fallback: Categorization): Reader<Categorization> {
  return (value) =>
    parseCategoryTag(value, fallback) ?? {
      problem: `expected a category from the catalogue, as Category or Category/Subcategory, got ${describe(value)}`,
    };
}

/** Recognized keys, most specific first: `firebreak:team` wins over a plain `team`. */
const KEYS = {
  service: ['firebreak:service', 'service'],
  team: ['firebreak:team', 'team'],
  impact: ['firebreak:impact'],
  urgency: ['firebreak:urgency'],
  severity: ['firebreak:severity'],
  category: ['firebreak:category'],
  autoResolve: ['firebreak:auto-resolve'],
  group: ['firebreak:group'],
} as const satisfies Record<keyof TagOverrides, readonly string[]>;

const FIREBREAK_KEYS: readonly string[] = Object.values(KEYS)
  .flat()
  .filter((key) => key.startsWith('firebreak:'));

/**
 * Reads CloudWatch `alarmTags` (a flat key→value object). Keys are matched case-insensitively because
 * people tag by hand; an invalid value is ignored, never fatal, and the next candidate key is tried.
 */
export function readAlarmTags(raw: unknown, categoryFallback: Categorization): AlarmTags {
  const tags: AlarmTags = { labels: {}, overrides: {}, ignored: {} };
  if (raw === undefined || raw === null) return tags;
  if (!isRecord(raw)) {
    tags.ignored.alarmTags = `expected an object of tag keys to values, got ${describe(raw)}`;
    return tags;
  }

  const byLowerKey = new Map<string, { key: string; value: string }>();
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      tags.ignored[key] = `expected a string value, got ${describe(value)}`;
      continue;
    }
    tags.labels[key] = value;
    const lower = key.toLowerCase();
    if (!byLowerKey.has(lower)) byLowerKey.set(lower, { key, value });
    if (lower.startsWith('firebreak:') && !FIREBREAK_KEYS.includes(lower)) {
      tags.ignored[key] = `not a Firebreak tag; known tags: ${FIREBREAK_KEYS.join(', ')}`;
    }
  }

  const pick = <T>(candidates: readonly string[], read: Reader<T>): T | undefined => {
    for (const candidate of candidates) {
      const tag = byLowerKey.get(candidate);
      if (!tag) continue;
      const result = read(tag.value);
      if (isProblem(result)) tags.ignored[tag.key] = result.problem;
      else return result;
    }
    return undefined;
  };

  tags.overrides = {
    service: pick(KEYS.service, text),
    team: pick(KEYS.team, text),
    impact: pick(KEYS.impact, oneOf(Level.options)),
    urgency: pick(KEYS.urgency, oneOf(Level.options)),
    severity: pick(KEYS.severity, oneOf(Severity.options)),
    category: pick(KEYS.category, category(categoryFallback)),
    autoResolve: pick(KEYS.autoResolve, bool),
    group: pick(KEYS.group, oneOf(GROUP_TAG_VALUES)),
  };
  return tags;
}

function isProblem(value: unknown): value is { problem: string } {
  return isRecord(value) && typeof value.problem === 'string';
}
