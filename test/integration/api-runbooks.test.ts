import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomAckKeys } from '#adapters/ack-key';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { IntegrationKeys } from '#adapters/integration-keys';
import { SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ProblemStore } from '#adapters/problem-store';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { ScheduleStore } from '#adapters/schedule-store';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { TimelineEntry } from '#core/model';
import type { RunbookRun } from '#core/runbook-run';
import { parseRunbookConfig } from '#core/runbooks';
import { createRouter } from '../../lambdas/api/router';
import { createApiRoutes } from '../../lambdas/api/routes';
import { AlertHints } from '../../lambdas/incidents/alert-hints';
import { createEventIngester } from '../../lambdas/ingest/ingest-events';
import {
  type ApiAnswer,
  answerOf,
  apiEvent,
  type CallOptions,
  PEOPLE_TOPIC_ARN,
} from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { loadFixture } from '../support/fixtures';
import {
  AUTOMATION_ROLE_ARN,
  awaitApproval,
  EXAMPLE_RUNBOOKS,
  RecordingApprovals,
  RecordingLauncher,
} from '../support/runbook-doubles';
import { RecordingWorkflow } from '../support/store-harness';

const NOW = new Date('2026-03-14T09:30:00.000Z');
const INSTANCE = 'i-0a7c3e9f2b1d45e68';
const config = parseRunbookConfig(EXAMPLE_RUNBOOKS);

let server: DynamoServer;
let store: IncidentStore;
let runs: RunbookRuns;
let launcher: RecordingLauncher;
let approvals: RecordingApprovals;
let call: (routeKey: string, path: string, options?: CallOptions) => Promise<ApiAnswer>;
/** The incident the EC2 CPU alarm (fixture 01) opened. */
let incidentId: string;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

beforeEach(async () => {
  const table = await server.createTable('runbooks');
  const clock = () => NOW;
  store = new IncidentStore(server.doc, table);
  runs = new RunbookRuns(server.doc, table);
  launcher = new RecordingLauncher(runs, config, clock);
  approvals = new RecordingApprovals();
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const ids = new IncidentIdAllocator(store);
  const workflow = new RecordingWorkflow();
  const routes = createApiRoutes({
    store,
    queries: new IncidentQueries(server.doc, table, clock),
    keys: new IntegrationKeys(server.doc, table),
    people: new PeopleStore(server.doc, table),
    schedules: new ScheduleStore(server.doc, table),
    pages: new PageLog(server.doc, table),
    problems: new ProblemStore(server.doc, table),
    reviews: new ReviewStore(server.doc, table),
    subscriptions: new ContactSubscriptions(new SNSClient({}), PEOPLE_TOPIC_ARN),
    ids,
    workflow,
    notifier: new SnsNotifier(new SNSClient({}), {}),
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    clock,
    newDedupKey: () => 'dedup',
    ackKeys: randomAckKeys(),
    runbooks: { runs, launcher, approvals, config },
  });
  const router = createRouter(routes, { scopePrefix: 'firebreak/', logger, clock });
  call = async (routeKey, path, options) =>
    answerOf(await router(apiEvent(routeKey, path, options) as never));

  const ingest = createEventIngester(
    { store, ids, workflow, clock, grouping: DEFAULT_GROUPING_CONFIG, hints: new AlertHints() },
    logger,
  );
  const report = await ingest(loadFixture('01-'));
  const [result] = report.results;
  if (!result || !('result' in result) || !('incidentId' in result.result) || !result.result.incidentId) {
    throw new Error('fixture 01 opened no incident');
  }
  incidentId = result.result.incidentId;
});

const runbooksPath = () => `/incidents/${incidentId}/runbooks`;
const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string } }).error;
const runOf = (answer: ApiAnswer) => (answer.body as { run: RunbookRun }).run;

async function requestRun(runbook: string, key = 'key-1'): Promise<ApiAnswer> {
  return call('POST /incidents/{id}/runbooks', runbooksPath(), {
    body: { runbook },
    headers: { 'idempotency-key': key },
  });
}

/** A restart-web run awaiting approval, its token parked as the machine's AwaitApproval step does (or not yet). */
async function awaitingRun(token: string | null): Promise<RunbookRun> {
  const run = runOf(await requestRun('restart-web'));
  await awaitApproval(runs, incidentId, run.runId, NOW, token ?? undefined);
  return run;
}

function decide(decision: 'approve' | 'reject', runId: string, options: CallOptions = {}) {
  return call(
    `POST /incidents/{id}/runbooks/{runId}/${decision}`,
    `/incidents/${incidentId}/runbooks/${runId}/${decision}`,
    options,
  );
}

async function remediationEntries(): Promise<TimelineEntry[]> {
  return (await store.listTimeline(incidentId)).filter((entry) => entry.kind === 'remediation');
}

describe('GET /runbooks', () => {
  it('lists the bindings by name with kind, mode and pinned document, for the read scope', async () => {
    const answer = await call('GET /runbooks', '/runbooks', { scopes: ['firebreak/incidents:read'] });

    expect(answer).toMatchObject({ status: 200 });
    expect(answer.body).toEqual({
      runbooks: [
        {
          name: 'describe-instance',
          kind: 'diagnostic',
          mode: 'auto',
          document: { name: 'Firebreak-Diagnose', version: '1' },
        },
        {
          name: 'restart-web',
          description: 'Restart the instance whose CPU alarm fired',
          kind: 'remediation',
          mode: 'approval',
          document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
        },
      ],
    });
  });
});

describe('POST /incidents/{id}/runbooks', () => {
  it('launches the bound runbook for the alert that opened the incident and answers 202 with its run', async () => {
    const answer = await requestRun('restart-web');

    expect(answer.status).toBe(202);
    expect(runOf(answer)).toMatchObject({
      incidentId,
      binding: 'restart-web',
      kind: 'remediation',
      mode: 'approval',
      trigger: 'requested',
      state: 'requested',
      requestedBy: 'alice',
      document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: INSTANCE, AutomationAssumeRole: AUTOMATION_ROLE_ARN },
    });
    expect(launcher.calls).toHaveLength(1);
    expect(launcher.calls[0]).toMatchObject({
      incidentId,
      trigger: 'requested',
      options: { key: 'key-1', requestedBy: 'alice', only: 'restart-web' },
      alert: {
        incidentId,
        dedupKey: expect.stringMatching(/^arn:aws:cloudwatch:.*:alarm:/),
        source: { kind: 'cloudwatch' },
        category: 'Infrastructure',
        namespace: 'AWS/EC2',
        metricNames: ['CPUUtilization'],
        dimensions: { InstanceId: INSTANCE },
      },
    });
  });

  it('names the same run for the same Idempotency-Key, and another for another key', async () => {
    const first = runOf(await requestRun('restart-web', 'key-1'));
    const again = runOf(await requestRun('restart-web', 'key-1'));
    const other = runOf(await requestRun('restart-web', 'key-2'));

    expect(again.runId).toBe(first.runId);
    expect(other.runId).not.toBe(first.runId);
    expect((await runs.list(incidentId)).map((run) => run.runId).sort()).toEqual(
      [first.runId, other.runId].sort(),
    );
  });

  it('refuses a name that is not bound with 400 naming it and the bound ones, and records the refusal once', async () => {
    const refused = await requestRun('reboot-everything', 'key-9');
    await requestRun('reboot-everything', 'key-9');

    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toEqual({
      code: 'invalid_request',
      field: 'runbook',
      message: 'runbook: "reboot-everything" is not a bound runbook; bound: describe-instance, restart-web',
    });
    expect(launcher.calls).toHaveLength(0);
    expect(await remediationEntries()).toEqual([
      {
        incidentId,
        entryId: 'api:runbook-refused:key-9',
        at: NOW.toISOString(),
        kind: 'remediation',
        actor: 'alice',
        message: 'Refused runbook "reboot-everything": not bound',
        details: { runbook: 'reboot-everything', bound: ['describe-instance', 'restart-web'] },
      },
    ]);
  });

  it('answers 404 for an unknown incident and 409 for one that is not open', async () => {
    const unknown = await call('POST /incidents/{id}/runbooks', '/incidents/INC-20260314-9999/runbooks', {
      body: { runbook: 'restart-web' },
    });
    await call('POST /incidents/{id}/resolve', `/incidents/${incidentId}/resolve`, {
      body: { resolution: 'restarted by hand' },
    });
    const resolved = await requestRun('restart-web');

    expect(unknown.status).toBe(404);
    expect(resolved.status).toBe(409);
    expect(errorOf(resolved).message).toBe(
      `incident ${incidentId} is resolved; runbooks run on open incidents only`,
    );
    expect(launcher.calls).toHaveLength(0);
  });

  it('refuses an unknown field and a missing runbook like the other write routes, writing nothing', async () => {
    const unknown = await call('POST /incidents/{id}/runbooks', runbooksPath(), {
      body: { runbook: 'restart-web', document: 'AWS-RestartEC2Instance' },
    });
    const missing = await call('POST /incidents/{id}/runbooks', runbooksPath(), { body: {} });

    expect(errorOf(unknown)).toEqual({
      code: 'invalid_request',
      field: 'document',
      message: 'document: unknown field; this route accepts runbook',
    });
    expect(missing.status).toBe(400);
    expect(errorOf(missing).field).toBe('runbook');
    expect(launcher.calls).toHaveLength(0);
    expect(await runs.list(incidentId)).toEqual([]);
  });

  it('needs the write scope', async () => {
    const answer = await call('POST /incidents/{id}/runbooks', runbooksPath(), {
      body: { runbook: 'restart-web' },
      scopes: ['firebreak/incidents:read'],
    });

    expect(answer.status).toBe(403);
  });
});

describe('GET /incidents/{id}/runbooks', () => {
  it('lists the runs with state, document, parameters and who decided', async () => {
    const run = await awaitingRun('token-1');
    await decide('approve', run.runId, { body: { reason: 'CPU pinned since the deploy' }, sub: 'bob' });

    const answer = await call('GET /incidents/{id}/runbooks', runbooksPath(), {
      scopes: ['firebreak/incidents:read'],
    });

    expect(answer.status).toBe(200);
    const listed = (answer.body as { runs: RunbookRun[] }).runs;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      runId: run.runId,
      binding: 'restart-web',
      state: 'approved',
      document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: INSTANCE },
      requestedBy: 'alice',
      approvedBy: 'bob',
      decisionReason: 'CPU pinned since the deploy',
      decidedAt: NOW.toISOString(),
    });
    expect(listed[0]).not.toHaveProperty('approvalToken');
  });

  it('never gives out the reply URL of a run a Slack command asked for, listed or decided', async () => {
    // Prepare: the run holds its command's response_url until it answers there.
    const replyTo = 'https://hooks.slack.com/commands/T0001/1234567890/s3cr3tT0k3n';
    const requested = runOf(await requestRun('restart-web'));
    const runId = 'restart-web-aaaaaaaaaa';
    await runs.create({ ...requested, runId, replyTo });
    await awaitApproval(runs, incidentId, runId, NOW, 'token-2');

    // Act
    const listed = await call('GET /incidents/{id}/runbooks', runbooksPath());
    const decided = await decide('approve', runId, { sub: 'bob' });

    // Assess
    expect((await runs.get(incidentId, runId))?.replyTo).toBe(replyTo);
    expect(listed.status).toBe(200);
    expect(decided.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain('hooks.slack.com');
    expect(JSON.stringify(decided.body)).not.toContain('hooks.slack.com');
  });

  it('answers an incident without runs with none, and 404 for an unknown incident', async () => {
    const none = await call('GET /incidents/{id}/runbooks', runbooksPath());
    const unknown = await call('GET /incidents/{id}/runbooks', '/incidents/INC-20260314-9999/runbooks');

    expect(none).toMatchObject({ status: 200, body: { runs: [] } });
    expect(unknown.status).toBe(404);
  });
});

describe('approving and rejecting', () => {
  it('approve: records the decision, wakes the waiting run with its token, and writes it on the timeline', async () => {
    const run = await awaitingRun('token-1');

    const answer = await decide('approve', run.runId, { body: { reason: 'go' }, sub: 'bob' });

    expect(answer.status).toBe(200);
    expect(runOf(answer)).toMatchObject({ state: 'approved', approvedBy: 'bob', decisionReason: 'go' });
    expect(approvals.signals).toEqual([{ decision: 'approve', token: 'token-1' }]);
    expect(await remediationEntries()).toEqual([
      {
        incidentId,
        entryId: `runbook:${run.runId}:decision`,
        at: NOW.toISOString(),
        kind: 'remediation',
        actor: 'bob',
        message: 'Approved restart-web (Firebreak-RestartEC2Instance v1): go',
        details: { runId: run.runId, binding: 'restart-web', decision: 'approved', reason: 'go' },
      },
    ]);
  });

  it('reject: records it and fails the waiting run with the reason', async () => {
    const run = await awaitingRun('token-1');

    const answer = await decide('reject', run.runId, { body: { reason: 'not during the sale' } });

    expect(runOf(answer)).toMatchObject({
      state: 'rejected',
      rejectedBy: 'alice',
      endedAt: NOW.toISOString(),
    });
    expect(approvals.signals).toEqual([
      { decision: 'reject', token: 'token-1', reason: 'not during the sale' },
    ]);
    expect((await remediationEntries()).map((entry) => entry.message)).toEqual([
      'Rejected restart-web (Firebreak-RestartEC2Instance v1): not during the sale',
    ]);
  });

  it('takes no body at all, and a rejection without reason says who rejected it', async () => {
    const run = await awaitingRun('token-1');

    const answer = await decide('reject', run.runId);

    expect(answer.status).toBe(200);
    expect(approvals.signals).toEqual([
      { decision: 'reject', token: 'token-1', reason: 'rejected by alice' },
    ]);
  });

  it('records a decision made before the run parked its token, without a signal (the run reads it)', async () => {
    const run = await awaitingRun(null);

    const answer = await decide('approve', run.runId);

    expect(runOf(answer).state).toBe('approved');
    expect(approvals.signals).toEqual([]);
  });

  it('answers the same decision repeated with the run, one timeline entry, the signal sent again', async () => {
    const run = await awaitingRun('token-1');
    await decide('approve', run.runId, { sub: 'bob' });

    const again = await decide('approve', run.runId, { sub: 'carol' });

    expect(again.status).toBe(200);
    expect(runOf(again)).toMatchObject({ state: 'approved', approvedBy: 'bob' });
    expect(await remediationEntries()).toHaveLength(1);
    expect(approvals.signals).toEqual([
      { decision: 'approve', token: 'token-1' },
      { decision: 'approve', token: 'token-1' },
    ]);
  });

  it('answers a repeated approval of a run that went on running with the run, signalling nothing', async () => {
    const run = await awaitingRun('token-1');
    await decide('approve', run.runId);
    await runs.transition(incidentId, run.runId, ['approved'], 'running', { automationId: 'a-1' }, NOW);

    const again = await decide('approve', run.runId);

    expect(again.status).toBe(200);
    expect(runOf(again).state).toBe('running');
    expect(approvals.signals).toHaveLength(1);
  });

  it('answers 409 naming the state for the other decision, and for a run that does not await approval', async () => {
    const run = await awaitingRun('token-1');
    await decide('approve', run.runId);
    const requested = runOf(await requestRun('restart-web', 'key-2'));

    const reject = await decide('reject', run.runId);
    const early = await decide('approve', requested.runId);

    expect(reject.status).toBe(409);
    expect(errorOf(reject).message).toBe(
      `runbook run ${run.runId} is approved; only a run awaiting approval can be rejected`,
    );
    expect(early.status).toBe(409);
    expect(errorOf(early).message).toBe(
      `runbook run ${requested.runId} is requested; only a run awaiting approval can be approved`,
    );
    expect(approvals.signals).toHaveLength(1);
  });

  it('answers 404 for an unknown run and an unknown incident', async () => {
    const unknownRun = await decide('approve', 'restart-web-0000000000');
    const badRunId = await decide('approve', 'Not_A_Run');
    const unknownIncident = await call(
      'POST /incidents/{id}/runbooks/{runId}/approve',
      '/incidents/INC-20260314-9999/runbooks/restart-web-0000000000/approve',
    );

    expect(unknownRun.status).toBe(404);
    expect(errorOf(unknownRun)).toMatchObject({ field: 'runId' });
    expect(badRunId.status).toBe(404);
    expect(unknownIncident.status).toBe(404);
  });

  it('bounds the reason like other text people write, and refuses unknown fields', async () => {
    const run = await awaitingRun('token-1');

    const long = await decide('approve', run.runId, { body: { reason: 'x'.repeat(1025) } });
    const unknown = await decide('reject', run.runId, { body: { reason: 'no', by: 'bob' } });

    expect(long.status).toBe(400);
    expect(errorOf(long)).toMatchObject({ field: 'reason' });
    expect(errorOf(unknown)).toEqual({
      code: 'invalid_request',
      field: 'by',
      message: 'by: unknown field; this route accepts reason',
    });
    expect((await runs.get(incidentId, run.runId))?.state).toBe('awaiting-approval');
    expect(approvals.signals).toEqual([]);
  });
});
