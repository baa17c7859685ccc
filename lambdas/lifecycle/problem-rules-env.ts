import { DEFAULT_PROBLEM_RULES, ProblemRules } from '#core/problems';

/**
 * `PROBLEM_RULES`: when recurring incidents open a problem (`firebreak.problems`, the ProblemRules as JSON);
 * the defaults when absent. A malformed value stops the function at cold start with the variable and the
 * field named.
 */
export function loadProblemRules(what: string, env: Record<string, string | undefined>): ProblemRules {
  const text = env.PROBLEM_RULES;
  if (text === undefined || text === '') return DEFAULT_PROBLEM_RULES;
  const invalid = (problem: string) => new Error(`${what} configuration is invalid: ${problem}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('PROBLEM_RULES: not JSON');
  }
  const parsed = ProblemRules.safeParse(json);
  if (!parsed.success)
    throw invalid(
      parsed.error.issues
        .map((issue) => `${['PROBLEM_RULES', ...issue.path].join('.')}: ${issue.message}`)
        .join('; '),
    );
  return parsed.data;
}
