import * as z from 'zod';

// 2026-03-14T09:05:41.218+0000, 2026-03-14T09:05:41Z, 2026-03-14T09:05:41.218-05:30. The offset is required:
// guessing the zone of a change would misorder it against its neighbours.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)$/;

// Sat, 14 Mar 2026 08:52:00 GMT (RFC 1123, as AWS Health sends it). The weekday is ignored, as RFC 7231
// lets a recipient do: it repeats the date and a mismatch should not drop an event.
const RFC_1123 =
  /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+(?:(GMT|UTC|UT|Z)|([+-])(\d{2})(\d{2}))$/i;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offsetMinutes: number;
}

/**
 * Any timestamp format our sources send, as ISO 8601 UTC with milliseconds (`2026-03-14T09:05:41.218Z`);
 * undefined when the text is not a valid timestamp. Fractions beyond milliseconds are truncated, not
 * rounded, so two timestamps never swap order.
 */
export function toIsoUtc(text: string): string | undefined {
  const parts = parseIso(text.trim()) ?? parseRfc1123(text.trim());
  if (!parts || !isValid(parts)) return undefined;
  const date = new Date(
    Date.UTC(2000, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, parts.millisecond),
  );
  date.setUTCFullYear(parts.year); // Date.UTC maps years 0–99 to 1900–1999
  return new Date(date.getTime() - parts.offsetMinutes * 60_000).toISOString();
}

function parseIso(text: string): Parts | undefined {
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = m;
  return {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second ?? 0),
    millisecond: Number((fraction ?? '').slice(0, 3).padEnd(3, '0')),
    offsetMinutes: zulu ? 0 : offset(sign, offsetHours, offsetMinutes),
  };
}

function parseRfc1123(text: string): Parts | undefined {
  const m = RFC_1123.exec(text);
  if (!m) return undefined;
  const [, day, monthName, year, hour, minute, second, named, sign, offsetHours, offsetMinutes] = m;
  const month = MONTHS.indexOf((monthName ?? '').toLowerCase()) + 1;
  if (month === 0) return undefined;
  return {
    year: Number(year),
    month,
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second ?? 0),
    millisecond: 0,
    offsetMinutes: named ? 0 : offset(sign, offsetHours, offsetMinutes),
  };
}

function offset(sign: string | undefined, hours: string | undefined, minutes: string | undefined): number {
  const m = Number(minutes ?? 0);
  if (m > 59) return Number.NaN; // fails isValid
  const total = Number(hours ?? 0) * 60 + m;
  return sign === '-' ? -total : total;
}

function isValid(p: Parts): boolean {
  const daysInMonth = new Date(Date.UTC(2000, p.month, 0)).getUTCDate();
  const leap = p.year % 4 === 0 && (p.year % 100 !== 0 || p.year % 400 === 0);
  const lastDay = p.month === 2 ? (leap ? 29 : 28) : daysInMonth;
  return (
    p.month >= 1 &&
    p.month <= 12 &&
    p.day >= 1 &&
    p.day <= lastDay &&
    p.hour <= 23 &&
    p.minute <= 59 &&
    p.second <= 60 && // a leap second rolls into the next minute
    Math.abs(p.offsetMinutes) <= 18 * 60
  );
}

/** A timestamp field, normalized to ISO 8601 UTC with milliseconds. */
export const Timestamp = z.string().transform((text, ctx) => {
  const iso = toIsoUtc(text);
  if (iso === undefined) {
    ctx.addIssue({
      code: 'custom',
      input: text,
      message: `expected a timestamp with a zone (ISO 8601 or RFC 1123), got ${JSON.stringify(text.slice(0, 60))}`,
    });
    return z.NEVER;
  }
  return iso;
});
