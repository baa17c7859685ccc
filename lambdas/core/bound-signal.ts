import { DETAILS_LIMITS, LABEL_LIMITS, RELATED_LIMITS, TEXT_LIMITS, trimText, utf8Bytes } from './limits';
import type { Signal } from './model';

/** What had to be trimmed, by field: the size the source sent (bytes, or entries for labels and related). */
export type Trimmed = Record<string, number>;

/**
 * A signal whose every field is within its limit (see TEXT_LIMITS): long text is cut with a visible marker,
 * labels and related keys beyond their bounds are dropped, oversized details are shortened. What was cut is
 * recorded in `details.trimmed` (field → original size), so the timeline says what the source really sent.
 * A signal within its limits comes back unchanged.
 */
export function boundSignal(signal: Signal): Signal {
  const trimmed: Trimmed = {};
  const text = (field: string, value: string, limit: number): string => {
    const result = trimText(value, limit);
    if (result.originalBytes !== undefined) trimmed[field] = result.originalBytes;
    return result.text;
  };

  const { source } = signal;
  const bounded: Signal = {
    ...signal,
    title: text('title', signal.title, TEXT_LIMITS.title),
    description: text('description', signal.description, TEXT_LIMITS.description),
    summary: text('summary', signal.summary, TEXT_LIMITS.summary),
    service: text('service', signal.service, TEXT_LIMITS.name),
    ...(signal.team === undefined ? {} : { team: text('team', signal.team, TEXT_LIMITS.name) }),
    subcategory: text('subcategory', signal.subcategory, TEXT_LIMITS.name),
    source: {
      ...source,
      ref: text('source.ref', source.ref, TEXT_LIMITS.sourceRef),
      name: text('source.name', source.name, TEXT_LIMITS.name),
      ...(source.url === undefined ? {} : { url: text('source.url', source.url, TEXT_LIMITS.sourceUrl) }),
    },
    labels: boundLabels(signal.labels, trimmed),
    related: boundRelated(signal.related, trimmed),
  };
  const details = boundDetails(signal.details);
  if (details.originalBytes !== undefined) trimmed.details = details.originalBytes;
  if (Object.keys(trimmed).length === 0) return signal;
  return { ...bounded, details: { ...details.value, trimmed } };
}

function boundLabels(labels: Record<string, string>, trimmed: Trimmed): Record<string, string> {
  const entries = Object.entries(labels);
  const out: Record<string, string> = {};
  let total = 0;
  let kept = 0;
  for (const [key, value] of entries) {
    if (kept >= LABEL_LIMITS.entries || utf8Bytes(key) > LABEL_LIMITS.key) continue;
    const shown = trimText(value, LABEL_LIMITS.value).text;
    const size = utf8Bytes(key) + utf8Bytes(shown);
    if (total + size > LABEL_LIMITS.total) continue;
    out[key] = shown;
    total += size;
    kept += 1;
    if (shown !== value) trimmed[`labels.${key}`] = utf8Bytes(value);
  }
  if (kept < entries.length) trimmed.labels = entries.length;
  return out;
}

function boundRelated(related: string[], trimmed: Trimmed): string[] {
  const out: string[] = [];
  let total = 0;
  for (const key of related) {
    const size = utf8Bytes(key);
    if (out.length >= RELATED_LIMITS.entries || total + size > RELATED_LIMITS.total) break;
    out.push(key);
    total += size;
  }
  if (out.length < related.length) trimmed.related = related.length;
  return out;
}

/**
 * Details within DETAILS_LIMITS.total bytes of JSON: first long strings and long arrays are shortened
 * where they stand (the structure stays readable); if that is not enough, the details become a preview of
 * their JSON text.
 */
export function boundDetails(details: Record<string, unknown>): {
  value: Record<string, unknown>;
  originalBytes?: number;
} {
  const json = JSON.stringify(details);
  const originalBytes = utf8Bytes(json);
  if (originalBytes <= DETAILS_LIMITS.total) return { value: details };
  const shortened = shorten(details) as Record<string, unknown>;
  if (utf8Bytes(JSON.stringify(shortened)) <= DETAILS_LIMITS.total)
    return { value: shortened, originalBytes };
  // Room for the marker and the JSON escaping of the preview text (at most 2× for quotes and backslashes).
  const preview = trimText(json, Math.floor((DETAILS_LIMITS.total - 256) / 2)).text;
  return { value: { preview }, originalBytes };
}

function shorten(value: unknown): unknown {
  if (typeof value === 'string') return trimText(value, DETAILS_LIMITS.string).text;
  if (Array.isArray(value)) {
    const kept = value.slice(0, DETAILS_LIMITS.arrayItems).map(shorten);
    if (value.length > DETAILS_LIMITS.arrayItems)
      kept.push(`…[trimmed by Firebreak: ${value.length} items in all]`);
    return kept;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, shorten(entry)]));
  }
  return value;
}
