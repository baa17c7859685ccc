import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { ClosingChecklistConfig, DEFAULT_CLOSING_CHECKLIST } from '#core/closing-checklist';
import { DEFAULT_ESCALATION_CONFIG, EscalationConfig } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG, GroupingConfig } from '#core/grouping';
import { DEFAULT_PROBLEM_RULES, ProblemRules } from '#core/problems';
import { DEFAULT_RUNBOOK_CONFIG, DocumentName, RunbookConfig } from '#core/runbooks';
import { SlackConfig } from '#core/slack-config';
import { StatusPageConfig } from '#core/status-page';
import {
  AWS_OWNED_PREFIXES,
  documentParameters,
  isAwsOwned,
  SHIPPED_DOCUMENTS,
  shippedDocument,
} from './runbook-documents';

/** The retention periods CloudWatch Logs accepts, as CDK lists them (numeric enum values only). */
const RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const OrganizationId = z
  .string()
  .regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations id like o-a1b2c3d4e5');
const EventBusArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]+$/,
    'must be an EventBridge event bus ARN like arn:aws:events:eu-west-1:111111111111:event-bus/firebreak-central',
  );

export const CentralBusConfig = z
  .strictObject({
    /** Accounts whose forwarders may put events on the central bus. */
    sourceAccounts: z.array(AccountId).min(1, 'must list at least one account').optional(),
    /** Every account of this organization may put events on the central bus. */
    organizationId: OrganizationId.optional(),
  })
  .refine((bus) => bus.sourceAccounts !== undefined || bus.organizationId !== undefined, {
    message: 'needs sourceAccounts, organizationId or both',
  });

export const ForwarderConfig = z.strictObject({
  /** The central account's `firebreak-central` bus that member accounts forward their events to. */
  centralBusArn: EventBusArn,
});

/** Where a person opens an incident: `{id}` is replaced by the incident id in every notification's link. */
const IncidentUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .refine((url) => url.includes('{id}'), {
    message: 'must contain {id}, e.g. https://firebreak.example.com/incidents/{id}',
  });

/** Target names that would give a notification topic the name of a topic Firebreak already has. */
const RESERVED_TARGETS = new Set(['ops', 'people']);

/**
 * The escalation policies, as the domain core defines them, plus one rule only the infrastructure knows: a
 * target named like one of Firebreak's own topics (`firebreak-ops`) would clash with it.
 */
const EscalationContext = EscalationConfig.superRefine((config, ctx) => {
  for (const [key, policy] of Object.entries(config.policies)) {
    const named: Array<[PropertyKey[], string]> = [
      ...policy.levels.flatMap((level, index) =>
        level.targets.map((target, t): [PropertyKey[], string] => [['levels', index, 'targets', t], target]),
      ),
      ...policy.levels.flatMap(
        (level, index): Array<[PropertyKey[], string]> =>
          level.fallback ? [[['levels', index, 'fallback'], level.fallback]] : [],
      ),
      ...policy.stakeholders.map((target, t): [PropertyKey[], string] => [['stakeholders', t], target]),
      [['management'], policy.management],
    ];
    for (const [path, target] of named) {
      if (RESERVED_TARGETS.has(target)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', key, ...path],
          message: `"${target}" is reserved: its topic would be firebreak-${target}, one of Firebreak's own`,
        });
      }
    }
  }
});

/** The only role Firebreak may pass to SSM Automation: the automation role it deploys. */
const AUTOMATION_ROLE_PLACEHOLDER = '{automationRole}';
const AUTOMATION_ROLE_PARAMETER = 'AutomationAssumeRole';

const SHIPPED_NAMES = SHIPPED_DOCUMENTS.map((document) => document.name).join(', ');
const AWS_OWNED = AWS_OWNED_PREFIXES.map((prefix) => `${prefix}*`).join(', ');

/**
 * The runbook bindings, as the domain core defines them, plus what only the infrastructure can check: which
 * documents Firebreak may start (shipped, AWS-owned, or the account's own listed in `customDocuments`, as
 * `ssm:StartAutomationExecution` is granted on exactly the bound ones), how a shipped document is bound, and
 * that no binding passes SSM a role other than the automation role.
 */
export const RunbooksContext = RunbookConfig.safeExtend({
  /** Documents of this account and region that bindings may name besides the shipped and AWS-owned ones. */
  customDocuments: z.array(DocumentName).default([]),
}).superRefine((config, ctx) => {
  const custom = new Set(config.customDocuments);
  config.customDocuments.forEach((name, index) => {
    if (shippedDocument(name) || isAwsOwned(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['customDocuments', index],
        message: `"${name}" is not a document of the account: list only your own (shipped and AWS-owned ones need no listing)`,
      });
    }
  });
  for (const [name, binding] of Object.entries(config.bindings)) {
    const at = (...path: PropertyKey[]) => ['bindings', name, ...path];
    const { name: documentName, version } = binding.document;
    const shipped = shippedDocument(documentName);
    if (!shipped && !isAwsOwned(documentName) && !custom.has(documentName)) {
      ctx.addIssue({
        code: 'custom',
        path: at('document', 'name'),
        message:
          `"${documentName}" is neither a document Firebreak ships (${SHIPPED_NAMES}) nor AWS-owned (${AWS_OWNED}): ` +
          'list a document of your own in firebreak.runbooks.customDocuments',
      });
    }
    const role = binding.parameters[AUTOMATION_ROLE_PARAMETER];
    if (role !== undefined && role !== AUTOMATION_ROLE_PLACEHOLDER) {
      ctx.addIssue({
        code: 'custom',
        path: at('parameters', AUTOMATION_ROLE_PARAMETER),
        message: `must be ${AUTOMATION_ROLE_PLACEHOLDER}: Firebreak may pass SSM no other role`,
      });
    }
    if (!shipped) continue;
    if (version === '$LATEST') {
      ctx.addIssue({
        code: 'custom',
        path: at('document', 'version'),
        message: `must pin a version number or $DEFAULT for ${documentName}: $LATEST would run an unreviewed version`,
      });
    }
    if (shipped.kind === 'remediation' && binding.kind !== 'remediation') {
      ctx.addIssue({
        code: 'custom',
        path: at('kind'),
        message: `must be remediation: ${documentName} changes resources`,
      });
    }
    const parameters = documentParameters(shipped);
    for (const parameter of Object.keys(binding.parameters)) {
      if (!parameters.some((declared) => declared.name === parameter)) {
        ctx.addIssue({
          code: 'custom',
          path: at('parameters', parameter),
          message: `${documentName} has no such parameter; it takes ${parameters.map((p) => p.name).join(', ')}`,
        });
      }
    }
    const missing = parameters.filter((p) => p.required && binding.parameters[p.name] === undefined);
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: at('parameters'),
        message: `${documentName} needs ${missing.map((p) => p.name).join(', ')}`,
      });
    }
  }
});
export type RunbooksContext = z.infer<typeof RunbooksContext>;

/** An origin as browsers send it: scheme, host and optional port, nothing else (no path, no trailing slash). */
const Origin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) origin like https://dashboard.example.com (no path, no trailing slash)' },
);

/** The API's two sources of JWTs: the user pool the stack creates, or any OIDC issuer given here. */
export const ApiAuthConfig = z
  .strictObject({
    /** The stack creates a Cognito user pool, its `firebreak` resource server and two app clients. */
    cognito: z
      .literal(true, 'must be true; give issuer and audience instead for another OIDC issuer')
      .optional(),
    /** An OIDC issuer URL, exactly as the `iss` claim of its tokens says it. */
    issuer: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
    /** Accepted `aud` (or `client_id`) values of the issuer's tokens. */
    audience: z
      .array(z.string().min(1, 'must not be empty'))
      .min(1, 'must list at least one audience')
      .optional(),
  })
  .superRefine((auth, ctx) => {
    if (auth.cognito && (auth.issuer !== undefined || auth.audience !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'takes either cognito or issuer and audience, not both' });
    } else if (!auth.cognito && auth.issuer === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs cognito: true, or issuer and audience' });
    } else if (auth.issuer !== undefined && auth.audience === undefined) {
      ctx.addIssue({ code: 'custom', path: ['audience'], message: 'is required with issuer' });
    } else if (auth.issuer === undefined && auth.audience !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'is required with audience' });
    }
  });

export const DEFAULT_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
export const DEFAULT_CALLBACK_URLS = ['http://localhost:3000/callback'];

const ApiThrottleConfig = z.strictObject({
  /** Steady-state requests per second over the whole stage. */
  rateLimit: z.number().positive('must be a positive number').default(DEFAULT_API_THROTTLE.rateLimit),
  /** Requests the stage accepts in a burst above the rate. */
  burstLimit: z
    .number()
    .int('must be a whole number')
    .positive('must be a positive number')
    .default(DEFAULT_API_THROTTLE.burstLimit),
});

export const ApiConfig = z.strictObject({
  auth: ApiAuthConfig.default({ cognito: true }),
  /** Browser origins allowed to call the API (CORS); none by default, which serves no CORS headers. */
  corsOrigins: z.array(Origin).default([]),
  throttle: ApiThrottleConfig.default({ ...DEFAULT_API_THROTTLE }),
  /** Where the Cognito authorization-code client may send people back to after sign-in. */
  callbackUrls: z
    .array(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
    .min(1, 'must list at least one URL')
    .default(DEFAULT_CALLBACK_URLS),
});

/** A host name as DNS and CloudFront take it: lower-case labels, no scheme, port, path or trailing dot. */
const DomainName = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a lower-case host name like console.example.com (no scheme, no path)',
  );
/** CloudFront takes its certificates from ACM in us-east-1 only, whatever the stack's region. */
const CloudFrontCertificateArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/,
    'must be an ACM certificate ARN in us-east-1 (CloudFront takes certificates from there only)',
  );

/** The deployed web console: where it is served and, with an OIDC issuer of your own, its sign-in client. */
export const ConsoleConfig = z
  .strictObject({
    /** A host name of your own for the console; its DNS record pointing at the distribution is yours to add. */
    domainName: DomainName.optional(),
    /** The ACM certificate (us-east-1) covering domainName. */
    certificateArn: CloudFrontCertificateArn.optional(),
    /** The public client (authorization code with PKCE) registered for the console at `api.auth.issuer`. */
    clientId: z.string().min(1, 'must not be empty').optional(),
  })
  .superRefine((console, ctx) => {
    if (console.domainName !== undefined && console.certificateArn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['certificateArn'], message: 'is required with domainName' });
    } else if (console.domainName === undefined && console.certificateArn !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['domainName'], message: 'is required with certificateArn' });
    }
  });

/** The `firebreak` object in CDK context (cdk.json, or `-c firebreak='{...}'`). */
export const FirebreakConfig = z
  .strictObject({
    logRetentionDays: z
      .number()
      .refine((days) => RETENTION_DAYS.includes(days), {
        message: `must be one of the retention periods CloudWatch Logs allows: ${RETENTION_DAYS.join(', ')}`,
      })
      .default(RetentionDays.ONE_MONTH),
    alarmEmail: z.email('must be an email address').optional(),
    centralBus: CentralBusConfig.optional(),
    forwarder: ForwarderConfig.optional(),
    /** Escalation policies and their routes; redeploy to change them. Defaults to the 0 / 15 / 30 minute chain. */
    escalation: EscalationContext.default(DEFAULT_ESCALATION_CONFIG),
    /**
     * Which alerts join one incident: rules matched in order, each grouping by some fields within a window.
     * Defaults to alerts by service within 10 minutes, security findings alone. Redeploy to change them.
     */
    grouping: GroupingConfig.default(DEFAULT_GROUPING_CONFIG),
    /** Link template for notifications, e.g. `https://firebreak.example.com/incidents/{id}`. */
    incidentUrl: IncidentUrl.optional(),
    /**
     * Runbooks bound to alerts (SSM Automation documents), the circuit breaker and the diagnosis of recent
     * changes. Defaults to no bindings: only the diagnosis of recent changes runs.
     */
    runbooks: RunbooksContext.default({ ...DEFAULT_RUNBOOK_CONFIG, customDocuments: [] }),
    /** The HTTP API: who may call it (JWT issuer), from which browser origins, and how fast. */
    api: ApiConfig.default({
      auth: { cognito: true },
      corsOrigins: [],
      throttle: { ...DEFAULT_API_THROTTLE },
      callbackUrls: DEFAULT_CALLBACK_URLS,
    }),
    /**
     * Slack: the team channels that get pages with Acknowledge and Resolve buttons, the default channel, and
     * the priorities that get an incident channel. Absent, Slack is off: no secrets, no Slack routes.
     */
    slack: SlackConfig.optional(),
    /**
     * What `POST /incidents/{id}/close` requires, per priority. Defaults to everything, with the review only for
     * P1 and P2.
     */
    closingChecklist: ClosingChecklistConfig.default(DEFAULT_CLOSING_CHECKLIST),
    /** When recurring incidents open a problem record: 3 incidents within 30 days by default. */
    problems: ProblemRules.default(DEFAULT_PROBLEM_RULES),
    /** The public status page (`GET /status`): its customer-facing services. Absent, there is no status page. */
    statusPage: StatusPageConfig.optional(),
    /**
     * The web console the stack serves (CloudFront in front of a private bucket): by default at the
     * distribution's own cloudfront.net name, signing people in through the stack's user pool.
     */
    console: ConsoleConfig.default({}),
  })
  .superRefine((config, ctx) => {
    // The console signs people in through a public client of the API's issuer: the stack creates one in its user
    // pool; another issuer's is registered there by its administrator, and only its id can say which it is.
    const external = config.api.auth.issuer !== undefined;
    if (external && config.console.clientId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['console', 'clientId'],
        message:
          "is required with api.auth.issuer: the console's public client (authorization code with PKCE) there",
      });
    } else if (!external && config.console.clientId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['console', 'clientId'],
        message:
          "is only for api.auth.issuer: with the stack's user pool the console uses the pool's web client",
      });
    }
  });

export type FirebreakConfig = z.infer<typeof FirebreakConfig>;
export type CentralBusConfig = z.infer<typeof CentralBusConfig>;
export type ForwarderConfig = z.infer<typeof ForwarderConfig>;
export type ApiConfig = z.infer<typeof ApiConfig>;
export type ApiAuthConfig = z.infer<typeof ApiAuthConfig>;
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

export const CONTEXT_KEY = 'firebreak';

/** `firebreak.centralBus.sourceAccounts[1]` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : `${text}.${String(segment)}`),
    CONTEXT_KEY,
  );
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  // Name each unknown key in the path rather than as a list in the message.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  // A bad record key (a binding's name): say what the key must be rather than zod's "Invalid key in record".
  if (issue.code === 'invalid_key') {
    return [`${formatPath(issue.path)}: ${issue.issues.map((inner) => inner.message).join('; ')}`];
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/**
 * Parses the `firebreak` context value once, for bin and tests alike. Accepts the object from cdk.json or a
 * JSON string from `-c firebreak=...`; throws an Error naming every bad key.
 */
export function parseFirebreakConfig(raw: unknown): FirebreakConfig {
  let value = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new Error(`Invalid CDK context: ${CONTEXT_KEY}: must be a JSON object`);
    }
  }
  const parsed = FirebreakConfig.safeParse(value, {
    // "is required" rather than zod's "expected string, received undefined" for a missing key.
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(describeIssue);
    throw new Error(`Invalid CDK context: ${problems.join('; ')}`);
  }
  return parsed.data;
}
