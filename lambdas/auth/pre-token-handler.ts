import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ClaimsAndScopeOverrideDetails } from 'aws-lambda';
import * as z from 'zod';
import { VIEWER_GROUP, viewerScopesToSuppress } from '#core/viewer-scopes';

const Env = z.object({
  /** What the user pool puts before scope names: `firebreak/` (the resource server's identifier). */
  SCOPE_PREFIX: z.string().min(1, 'must be the scope prefix of the user pool, e.g. firebreak/'),
});

/**
 * The parts of Cognito's pre token generation event (trigger version V2_0) this function reads. Loose objects
 * keep every other field, as Cognito expects the whole event back. A user in no group has an empty (or, in
 * some events, null or absent) `groupsToOverride`; `scopes` is absent outside OAuth sign-ins.
 */
const PreTokenGenerationEvent = z.looseObject({
  version: z.string(),
  triggerSource: z.string().startsWith('TokenGeneration_'),
  userPoolId: z.string().min(1),
  userName: z.string().min(1),
  request: z.looseObject({
    groupConfiguration: z.looseObject({ groupsToOverride: z.array(z.string()).nullish() }).nullish(),
    scopes: z.array(z.string()).nullish(),
  }),
  response: z.looseObject({}).nullish(),
});
type PreTokenGenerationEvent = z.infer<typeof PreTokenGenerationEvent>;

// Parsed once per container, not per invocation.
const env = Env.safeParse(process.env);
if (!env.success)
  throw new Error(
    `pre token generation configuration is invalid: ${env.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ')}`,
  );
const { SCOPE_PREFIX } = env.data;
const logger = new Logger({ serviceName: 'firebreak-pre-token' });

/**
 * Cognito's pre token generation trigger (V2_0): a member of the viewers group gets an access token without
 * the write and admin scopes; for everyone else the event goes back unchanged, so Cognito issues the tokens
 * it would have issued without the trigger.
 *
 * An event this function cannot read fails the invocation, and Cognito then refuses to issue tokens: the
 * sign-in fails visibly (and the error is in this function's logs). Passing such an event back unchanged
 * would instead grant every requested scope, so a viewer could get write access whenever the event's shape
 * surprised us: for an access check, failing closed is the safe side.
 */
export const handler = middy(async (event: unknown) => {
  const parsed = PreTokenGenerationEvent.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`,
    );
    // Where the event is malformed, not its values: they hold people's attributes.
    logger.error('pre token generation event is malformed: no tokens issued', { problems });
    throw new Error(`pre token generation event is malformed: ${problems.join('; ')}`);
  }
  return customizeTokens(parsed.data);
}).use(injectLambdaContext(logger, { resetKeys: true }));

function customizeTokens(event: PreTokenGenerationEvent): PreTokenGenerationEvent {
  const groups = event.request.groupConfiguration?.groupsToOverride ?? [];
  const suppressed = viewerScopesToSuppress(groups, event.request.scopes ?? undefined, SCOPE_PREFIX);
  if (suppressed.length === 0) return event;
  logger.info('viewer: write scopes left out of the access token', {
    userName: event.userName,
    group: VIEWER_GROUP,
    triggerSource: event.triggerSource,
    suppressed,
  });
  const details: ClaimsAndScopeOverrideDetails = { accessTokenGeneration: { scopesToSuppress: suppressed } };
  return { ...event, response: { ...event.response, claimsAndScopeOverrideDetails: details } };
}
