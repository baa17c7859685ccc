import * as z from 'zod';

/**
 * Size limits of every free-text field Firebreak stores, in UTF-8 bytes (what DynamoDB counts). Text from a
 * machine source is trimmed to its limit with a visible marker and its original size recorded, so an alert
 * is never lost because its description is long; text a person sends through the API over its limit is
 * refused with 400 naming the field. Together they keep every stored item far below DynamoDB's 400 KB
 * (test/integration/item-size.test.ts proves the bound).
 */
export const TEXT_LIMITS = {
  title: 1024,
  summary: 1024,
  description: 8192,
  /** service, team, subcategory, assignee, reporter, a source's name. */
  name: 256,
  /** The source's identifier of the alerting thing (alarm ARN, finding id): DynamoDB keys allow 2 KB. */
  sourceRef: 1024,
  sourceUrl: 2048,
  /** A resolution, root cause, note or status update written by a person. */
  note: 4096,
  /** Why a field was changed (PATCH). */
  reason: 1024,
} as const;

/** Labels are shown everywhere and carried on every page: a bounded set of short strings. */
export const LABEL_LIMITS = { entries: 50, key: 128, value: 256, total: 4096 } as const;
/** Related alert keys (a composite alarm's children): linked, never merged. */
export const RELATED_LIMITS = { entries: 20, total: 4096 } as const;
/** A signal's structured facts (datapoints, resources, custom details) as stored on its timeline entry. */
export const DETAILS_LIMITS = { total: 16_384, string: 2048, arrayItems: 50 } as const;

/** The bound every stored item stays under, with room to spare below DynamoDB's 400 KB item limit. */
export const ITEM_SIZE_BOUND = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** The marker a trimmed text ends with: visible to a reader, with the size the source sent. */
export function trimMarker(originalBytes: number): string {
  return ` …[trimmed by Firebreak: ${originalBytes} bytes in all]`;
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
export function prefixWithin(text: string, maxBytes: number): string {
  // A character takes at most 4 bytes: only the first maxBytes characters can matter.
  const bytes = encoder.encode(text.slice(0, Math.max(0, maxBytes)));
  if (bytes.length <= maxBytes) return decoder.decode(bytes);
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return decoder.decode(bytes.subarray(0, end));
}

/** `text` within `maxBytes`, ending with the trim marker when it had to be cut; `originalBytes` when it was. */
export function trimText(text: string, maxBytes: number): { text: string; originalBytes?: number } {
  const bytes = utf8Bytes(text);
  if (bytes <= maxBytes) return { text };
  const marker = trimMarker(bytes);
  return { text: prefixWithin(text, maxBytes - utf8Bytes(marker)) + marker, originalBytes: bytes };
}

/** At most `maxBytes` UTF-8 bytes. The length bound is implied (no character is under a byte) and is what
 * the OpenAPI document shows as maxLength; the byte count is the real limit. */
function withinBytes(schema: z.ZodString, maxBytes: number) {
  const error = `must be at most ${maxBytes} bytes (UTF-8)`;
  return schema
    .max(maxBytes, { error })
    .refine((value) => utf8Bytes(value) <= maxBytes, { error })
    .meta({ description: `At most ${maxBytes} bytes of UTF-8.` });
}

/** A string a person sends, refused over `maxBytes` UTF-8 bytes; trimmed of surrounding space, never empty. */
export function personText(maxBytes: number) {
  return withinBytes(z.string().trim().min(1), maxBytes);
}

/** Like personText, but may be empty and keeps its spacing (a description). */
export function optionalPersonText(maxBytes: number) {
  return withinBytes(z.string(), maxBytes);
}
