import * as z from 'zod';
import { formatPath } from '#core/sources/parse';
import { ApiError } from './errors';

/** The body of a write route that takes none: nothing, or `{}`; any key is refused like a misspelt one. */
export const NoBody = z.strictObject({});

/**
 * Parses what a client sent to one of Firebreak's own routes (a body, or a query string) with the route's
 * schema, a strict object: an unknown key is refused with 400 naming it and what the object accepts, so a
 * misspelt optional field is never silently dropped. A missing body parses as `{}`. The webhook routes
 * (`/v2/enqueue`, `/integrations/alertmanager`) do not use this: they accept their sender's format.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {}, { error: acceptedKeys });
  if (!result.success) throw invalidRequest(result.error);
  return result.data;
}

/**
 * The API's 400 for a zod error: `field` is the dotted path of the offending value. zod reports an unknown
 * key at its parent object with the key in `keys`; the field is then the key's own path (`by`, `foo.bar`).
 */
export function invalidRequest(error: z.ZodError): ApiError {
  // An unknown key is named first: a misspelt required field also shows up as that field missing, and the
  // misspelling is the cause.
  const issue = error.issues.find((found) => found.code === 'unrecognized_keys') ?? error.issues[0];
  const fields =
    issue?.code === 'unrecognized_keys'
      ? issue.keys.map((key) => formatPath([...issue.path, key]))
      : [formatPath(issue?.path ?? [])];
  const field = fields[0] || 'body';
  return new ApiError(
    400,
    'invalid_request',
    `${fields.join(', ') || 'body'}: ${issue?.message ?? 'invalid'}`,
    field,
  );
}

/** zod error map: an unknown key's message says what the object accepts instead. */
function acceptedKeys(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys' || !(issue.inst instanceof z.ZodObject)) return undefined;
  const accepted = Object.keys(issue.inst.shape);
  const owner = issue.path?.length ? formatPath(issue.path) : 'this route';
  const what = issue.keys.length === 1 ? 'unknown field' : 'unknown fields';
  return `${what}; ${owner} accepts ${accepted.length === 0 ? 'no fields' : accepted.join(', ')}`;
}
