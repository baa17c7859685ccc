import * as z from 'zod';

/**
 * An environment variable holding configuration as JSON, checked at cold start with the same schema synth
 * used: not JSON is an issue saying what the variable must be, a bad field an issue naming the field.
 */
export function jsonVariable<T extends z.ZodType>(schema: T, what: string) {
  const message = `must be the ${what} as JSON`;
  return z
    .string({ error: message })
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
