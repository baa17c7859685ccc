import * as z from 'zod';

/**
 * Which ordered range a cursor walks: one of the table's indexes for incident lists, the table itself for a
 * timeline, or an incident's alerts (its own records, then its live alerts on the alerts-by-incident index).
 * A cursor only ever resumes the same kind of walk.
 */
export const CursorIndex = z.enum(['open-by-priority', 'by-service', 'by-created', 'timeline', 'alerts']);
export type CursorIndex = z.infer<typeof CursorIndex>;

/**
 * The part of a walk over two kinds of item that a cursor is in: an incident's alert listing walks the
 * records it keeps of alerts that left it, then the live alerts on it.
 */
export const CursorPart = z.enum(['records', 'live']);
export type CursorPart = z.infer<typeof CursorPart>;

/**
 * The position just after the last item a page returned: that item's table and index keys (a DynamoDB
 * ExclusiveStartKey) or, where the index's sort key is unique in its partition, the index's keys alone (the
 * walk resumes after that sort key); for the month-by-month walk, the month it was in; for the alert
 * listing, the part it was in.
 */
export const Cursor = z.strictObject({
  v: z.literal(1),
  index: CursorIndex,
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional(),
  part: CursorPart.optional(),
  key: z
    .record(z.string().regex(/^[A-Za-z0-9]{1,32}$/), z.string().min(1).max(512))
    .refine(
      (key) => Object.keys(key).length >= 2 && Object.keys(key).length <= 4,
      'two to four key attributes',
    ),
});
export type Cursor = z.infer<typeof Cursor>;

/** A cursor that was not made by this API for this walk. The API answers it with a 400 naming `cursor`. */
export class InvalidCursorError extends Error {
  readonly field = 'cursor';
  constructor(reason: string) {
    super(`cursor is not valid: ${reason}`);
    this.name = 'InvalidCursor';
  }
}

/** Generous for four keys of real incidents; anything longer was not made here. */
const MAX_CURSOR_LENGTH = 2048;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(Cursor.parse(cursor)), 'utf8').toString('base64url');
}

/** Decodes a cursor for the walk `expected`; throws InvalidCursorError for anything else. */
export function decodeCursor(text: string, expected: CursorIndex): Cursor {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new InvalidCursorError('not a base64url token');
  }
  const bytes = Buffer.from(text, 'base64url');
  // Node decodes leniently (stray trailing bits are dropped): only the canonical spelling is ours.
  if (bytes.toString('base64url') !== text) throw new InvalidCursorError('not a base64url token');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor');
  }
  const parsed = Cursor.safeParse(json);
  if (!parsed.success) throw new InvalidCursorError('not a cursor');
  if (parsed.data.index !== expected) {
    throw new InvalidCursorError(`it continues a ${parsed.data.index} listing, not ${expected}`);
  }
  return parsed.data;
}
