import type { AckKeySource } from '#adapters/ack-key';
import type { ContactSubscriptions } from '#adapters/contact-subscriptions';
import type { IncidentIdAllocator } from '#adapters/incident-ids';
import type { IncidentQueries } from '#adapters/incident-queries';
import type { IncidentStore } from '#adapters/incident-store';
import type { IntegrationKeys } from '#adapters/integration-keys';
import type { SnsNotifier } from '#adapters/notifier';
import type { PageLog } from '#adapters/page-log';
import type { PeopleStore } from '#adapters/people-store';
import type { ProblemStore } from '#adapters/problem-store';
import type { ReviewStore } from '#adapters/review-store';
import type { ScheduleStore } from '#adapters/schedule-store';
import type { StatusSource } from '#adapters/status-source';
import type { ClosingChecklistConfig } from '#core/closing-checklist';
import type { EscalationConfig } from '#core/escalation';
import type { GroupingConfig } from '#core/grouping';
import type { MetricSink } from '#core/metric-names';
import { type SlackConfig, teamOfChannel } from '#core/slack-config';
import { incidentMessage } from '#core/slack-messages';
import type { StatusPageConfig } from '#core/status-page';
import { AlertHints } from '../incidents/alert-hints';
import { DirectoryTargetResolver } from '../incidents/target-resolver';
import type { LifecycleStarter, RunbookJoinHook } from '../ingest/apply-signal';
import type { ChatDelivery } from '../lifecycle/notify-once';
import { createAckRoutes } from './ack-routes';
import { IncidentCommands } from './commands';
import type { Routes } from './http';
import { createIncidentRoutes } from './incident-routes';
import { createIntegrationRoutes } from './integration-routes';
import { createMetricsRoutes } from './metrics-routes';
import { openApiDocument } from './openapi';
import { ManualPaging } from './paging';
import { PeopleContacts } from './people-contacts';
import { createPeopleRoutes } from './people-routes';
import { createProblemRoutes } from './problem-routes';
import { ReviewCommands } from './review-commands';
import { createReviewRoutes } from './review-routes';
import { createRoleRoutes } from './role-routes';
import { RunbookCommands, type RunbookRouteDeps } from './runbook-commands';
import { createRunbookRoutes } from './runbook-routes';
import { createScheduleRoutes } from './schedule-routes';
import { SlackCommandRunner } from './slack-command-runner';
import { createSlackRoutes, type SlackResponder, type SlackSigningSecrets } from './slack-routes';
import { createStatusRoutes } from './status-routes';

export interface ApiDeps {
  store: IncidentStore;
  queries: IncidentQueries;
  keys: IntegrationKeys;
  /** People and on-call schedules (their overrides too), in the same table. */
  people: PeopleStore;
  schedules: ScheduleStore;
  /** Pages to people: written by pages sent by hand, read by the fairness report. */
  pages: PageLog;
  /** Problem records (recurring incidents), which the lifecycle's problem detection writes. */
  problems: ProblemStore;
  /** The contact methods' subscriptions on the people topic (`PEOPLE_TOPIC_ARN`). */
  subscriptions: ContactSubscriptions;
  ids: IncidentIdAllocator;
  /** Starts lifecycles, wakes them on resolution, and (when it can) re-plans one for a raised priority. */
  workflow: LifecycleStarter;
  notifier: SnsNotifier;
  escalation: EscalationConfig;
  /** Which alerts join one incident, for the alerts the webhooks and reports bring. */
  grouping: GroupingConfig;
  /** What `POST /incidents/{id}/close` requires, per priority; the default checklist when absent. */
  closingChecklist?: ClosingChecklistConfig;
  /** Post-incident reviews and their action items; the closing checklist reads review states there. */
  reviews: ReviewStore;
  incidentLink: (id: string) => string;
  clock: () => Date;
  newDedupKey: () => string;
  /**
   * The runbook routes' runs, launcher, approval signals and bindings. Every caller says: the deployed
   * handler always gives them; local mode gives them once its runbook-run machine is wired (undefined
   * serves no runbook routes).
   */
  runbooks: RunbookRouteDeps | undefined;
  /** Launches the runbooks of an alert a webhook brings that joins an open incident; none when absent. */
  runbookJoins?: RunbookJoinHook;
  /** The keys the acknowledgement links in pages are signed with (`/ack/{token}` verifies them). */
  ackKeys: AckKeySource;
  /** Updates and pages sent by hand go to the incident's Slack channels too; SNS only when absent. */
  chat?: ChatDelivery;
  /** Slack's slash command and buttons (`firebreak.slack`); no Slack routes when absent. */
  slack?: SlackApiDeps;
  /** Counts the incidents the API, webhooks and Slack open (see #core/metric-names); none when absent. */
  metric?: MetricSink;
  /** Public updates (`"public": true`) are kept here and the status page reads it; public updates refused when absent. */
  status?: StatusSource;
  /** `firebreak.statusPage`: `GET /status` (public, no credentials) is served only with it and `status`. */
  statusPage?: StatusPageConfig;
}

export interface SlackApiDeps {
  config: SlackConfig;
  secrets: SlackSigningSecrets;
  /** Posts to response URLs: a clicked button's message is replaced with the incident as it is now. */
  responder: SlackResponder;
  onReplyError: (error: unknown, context: Record<string, string>) => void;
}

/** Every route of the API, wired to the same domain core and store as the ingest path. */
export function createApiRoutes(deps: ApiDeps): Routes {
  const ingest = {
    store: deps.store,
    ids: deps.ids,
    workflow: deps.workflow,
    clock: deps.clock,
    grouping: deps.grouping,
    // One per container (or local process), as the ingest handler has.
    hints: new AlertHints(),
    ...(deps.runbookJoins ? { runbooks: deps.runbookJoins } : {}),
    ...(deps.metric ? { metric: deps.metric } : {}),
  };
  // Built on first request, not at cold start: only a few callers ever ask for it.
  let document: ReturnType<typeof openApiDocument> | undefined;
  const commands = new IncidentCommands({
    store: deps.store,
    workflow: deps.workflow,
    clock: deps.clock,
    ...(deps.closingChecklist ? { checklist: deps.closingChecklist } : {}),
    reviews: deps.reviews,
  });
  const runbookCommands = deps.runbooks
    ? new RunbookCommands({ ...deps.runbooks, store: deps.store, clock: deps.clock })
    : undefined;
  return {
    ...createIncidentRoutes({
      queries: deps.queries,
      commands,
      paging: new ManualPaging({
        store: deps.store,
        notifier: deps.notifier,
        escalation: deps.escalation,
        incidentLink: deps.incidentLink,
        clock: deps.clock,
        targets: new DirectoryTargetResolver(deps.people, deps.schedules),
        pages: deps.pages,
        ...(deps.chat ? { chat: deps.chat } : {}),
        ...(deps.status ? { publicUpdates: deps.status } : {}),
      }),
      ingest,
    }),
    ...createIntegrationRoutes({ keys: deps.keys, ingest, newDedupKey: deps.newDedupKey }),
    ...createRoleRoutes({ people: deps.people, commands }),
    ...createPeopleRoutes({
      people: deps.people,
      schedules: deps.schedules,
      contacts: new PeopleContacts(deps.subscriptions),
      escalation: deps.escalation,
      clock: deps.clock,
    }),
    ...createScheduleRoutes({
      people: deps.people,
      schedules: deps.schedules,
      pages: deps.pages,
      clock: deps.clock,
    }),
    ...createAckRoutes({ store: deps.store, commands, ackKeys: deps.ackKeys }),
    ...createMetricsRoutes({ queries: deps.queries }),
    ...createProblemRoutes({ problems: deps.problems, queries: deps.queries, clock: deps.clock }),
    ...createReviewRoutes({
      commands: new ReviewCommands({
        store: deps.store,
        reviews: deps.reviews,
        alerts: deps.queries,
        ...(deps.runbooks ? { runs: deps.runbooks.runs } : {}),
        clock: deps.clock,
      }),
      reviews: deps.reviews,
    }),
    ...(runbookCommands ? createRunbookRoutes(runbookCommands) : {}),
    ...(deps.status && deps.statusPage
      ? createStatusRoutes({ source: deps.status, config: deps.statusPage, clock: deps.clock })
      : {}),
    ...(deps.slack ? slackRoutes(deps, deps.slack, { commands, ingest, runbooks: runbookCommands }) : {}),
    'GET /openapi.json': {
      scope: 'incidents:read',
      handler: async () => {
        document ??= openApiDocument();
        return { status: 200, body: document };
      },
    },
  };
}

function slackRoutes(
  deps: ApiDeps,
  slack: SlackApiDeps,
  shared: {
    commands: IncidentCommands;
    ingest: ConstructorParameters<typeof SlackCommandRunner>[0]['ingest'];
    runbooks: RunbookCommands | undefined;
  },
): Routes {
  return createSlackRoutes({
    secrets: slack.secrets,
    runner: new SlackCommandRunner({
      commands: shared.commands,
      queries: deps.queries,
      people: deps.people,
      ingest: shared.ingest,
      ...(shared.runbooks ? { runbooks: shared.runbooks } : {}),
      teamOfChannel: (channel) => teamOfChannel(slack.config, channel),
      incidentLink: deps.incidentLink,
      clock: deps.clock,
    }),
    commands: shared.commands,
    people: deps.people,
    message: (incident) => incidentMessage(incident, undefined, deps.incidentLink(incident.id)),
    responder: slack.responder,
    clock: deps.clock,
    onReplyError: slack.onReplyError,
  });
}
