import { StatusPageConfig } from '#core/status-page';

/**
 * `STATUS_PAGE` (`firebreak.statusPage` as JSON): the public status page's services; unset or empty, no
 * status page. A malformed value stops the function at cold start, naming the variable and the field.
 */
export function loadStatusPage(
  what: string,
  env: Record<string, string | undefined>,
): StatusPageConfig | undefined {
  const text = env.STATUS_PAGE;
  if (text === undefined || text === '') return undefined;
  const invalid = (problem: string) => new Error(`${what} configuration is invalid: ${problem}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('STATUS_PAGE: not JSON');
  }
  const parsed = StatusPageConfig.safeParse(json);
  if (!parsed.success)
    throw invalid(
      parsed.error.issues
        .map((issue) => `${['STATUS_PAGE', ...issue.path].join('.')}: ${issue.message}`)
        .join('; '),
    );
  return parsed.data;
}
