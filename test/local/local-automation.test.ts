import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { automationProgress } from '#core/runbook-run';
import type { AutomationStart } from '../../lambdas/runbooks/ports';
import {
  type AutomationOutcomes,
  type DocumentStep,
  LocalAutomation,
  parseAutomationOutcomes,
  shippedDocumentSteps,
} from '../../local/local-automation';

const START: AutomationStart = {
  documentName: 'Firebreak-RestartEC2Instance',
  documentVersion: '1',
  parameters: { InstanceId: ['i-0a7c3e9f2b1d45e68'], AutomationAssumeRole: ['arn:aws:iam::1:role/a'] },
  clientToken: '1b4e28ba-2fa1-51d2-883f-0016d3cca427',
  incidentId: 'INC-20260314-0001',
  runId: 'restart-web-0123456789',
  binding: 'restart-web',
};
const TWO_STEPS = () => [
  { name: 'stopInstance', action: 'aws:changeInstanceState' },
  { name: 'startInstance', action: 'aws:changeInstanceState' },
];

/** Time in the test's hands: the automation plays out as the clock moves, never by a timer. */
function automation(outcomes?: AutomationOutcomes, steps: () => DocumentStep[] | undefined = TWO_STEPS) {
  let now = Date.parse('2026-03-14T09:30:00.000Z');
  const time = { advance: (ms: number) => (now += ms) };
  const runner = new LocalAutomation({
    timeScale: 10,
    secondsPerStep: 30,
    clock: () => new Date(now),
    steps,
    ...(outcomes ? { outcomes } : {}),
  });
  return { runner, time };
}

describe('LocalAutomation (SSM Automation in local mode)', () => {
  it('records what was started and plays it out step by step, scaled by the time scale, to Success', async () => {
    const { runner, time } = automation();

    const { automationId } = await runner.start(START);
    const first = await runner.status(automationId);
    time.advance(3_000);
    const second = await runner.status(automationId);
    time.advance(3_000);
    const done = await runner.status(automationId);

    expect(first.status).toBe('InProgress');
    expect(first.steps.map((step) => step.status)).toEqual(['InProgress', 'Pending']);
    expect(second.steps.map((step) => step.status)).toEqual(['Success', 'InProgress']);
    expect(done).toEqual({
      status: 'Success',
      outputs: {},
      steps: [
        {
          name: 'stopInstance',
          action: 'aws:changeInstanceState',
          status: 'Success',
          startedAt: '2026-03-14T09:30:00.000Z',
          endedAt: '2026-03-14T09:30:03.000Z',
        },
        {
          name: 'startInstance',
          action: 'aws:changeInstanceState',
          status: 'Success',
          startedAt: '2026-03-14T09:30:03.000Z',
          endedAt: '2026-03-14T09:30:06.000Z',
        },
      ],
    });
    expect(automationProgress(done.status)).toBe('succeeded');
    expect(runner.list()).toEqual([
      expect.objectContaining({
        automationId,
        documentName: 'Firebreak-RestartEC2Instance',
        documentVersion: '1',
        parameters: START.parameters,
        clientToken: START.clientToken,
        incidentId: START.incidentId,
        runId: START.runId,
        binding: 'restart-web',
        outcome: 'success',
        status: 'Success',
        startedAt: '2026-03-14T09:30:00.000Z',
        endedAt: '2026-03-14T09:30:06.000Z',
      }),
    ]);
  });

  it('answers the same automation for the same client token, as SSM does', async () => {
    const { runner } = automation();

    const first = await runner.start(START);
    const again = await runner.start({ ...START, parameters: { InstanceId: ['i-other'] } });
    const other = await runner.start({ ...START, clientToken: '2b4e28ba-2fa1-51d2-883f-0016d3cca427' });

    expect(again.automationId).toBe(first.automationId);
    expect(other.automationId).not.toBe(first.automationId);
    expect(runner.list()).toHaveLength(2);
  });

  it.each([
    ['failure', 'Failed', 'failed'],
    ['timeout', 'TimedOut', 'timed-out'],
  ] as const)(
    'ends as %s when FIREBREAK_AUTOMATION_OUTCOME says so: its last step %s',
    async (outcome, status, progress) => {
      const { runner, time } = automation({ default: outcome, byBinding: {} });

      const { automationId } = await runner.start(START);
      time.advance(6_000);
      const done = await runner.status(automationId);

      expect(done.status).toBe(status);
      expect(automationProgress(done.status)).toBe(progress);
      expect(done.steps.map((step) => step.status)).toEqual(['Success', status]);
      expect(done.failure).toBe(
        `local mode rehearses ${outcome === 'timeout' ? 'a time-out' : 'a failure'} (FIREBREAK_AUTOMATION_OUTCOME=${outcome})`,
      );
    },
  );

  it('takes the outcome of the binding over the default', async () => {
    const { runner, time } = automation({ default: 'success', byBinding: { 'restart-web': 'failure' } });

    const web = await runner.start(START);
    const other = await runner.start({ ...START, binding: 'describe', clientToken: 'other-token' });
    time.advance(6_000);

    expect((await runner.status(web.automationId)).status).toBe('Failed');
    expect((await runner.status(web.automationId)).failure).toContain(
      'FIREBREAK_AUTOMATION_OUTCOMES gives restart-web "failure"',
    );
    expect((await runner.status(other.automationId)).status).toBe('Success');
  });

  it('plays a document it does not ship as one step "run"', async () => {
    const { runner, time } = automation(undefined, () => undefined);

    const { automationId } = await runner.start({ ...START, documentName: 'AWS-RestartEC2Instance' });
    time.advance(3_000);

    expect((await runner.status(automationId)).steps).toEqual([
      expect.objectContaining({ name: 'run', status: 'Success' }),
    ]);
  });

  it('lists the newest first, and refuses an id it never started like SSM', async () => {
    const { runner, time } = automation();
    const older = await runner.start(START);
    time.advance(1_000);
    const newer = await runner.start({ ...START, clientToken: 'newer' });

    expect(runner.list().map((record) => record.automationId)).toEqual([
      newer.automationId,
      older.automationId,
    ]);
    await expect(runner.status('nope')).rejects.toMatchObject({
      name: 'AutomationExecutionNotFoundException',
    });
  });
});

describe('the steps of a shipped document', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('are read from runbooks/documents/<name>.json, and none for another name or an unsafe one', () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-documents-'));
    writeFileSync(
      join(dir, 'Firebreak-Test.json'),
      JSON.stringify({
        schemaVersion: '0.3',
        mainSteps: [{ name: 'describe', action: 'aws:executeAwsApi' }, { name: 'wait' }],
      }),
    );
    const documents = pathToFileURL(`${dir}/`);

    expect(shippedDocumentSteps('Firebreak-Test', documents)).toEqual([
      { name: 'describe', action: 'aws:executeAwsApi' },
      { name: 'wait' },
    ]);
    expect(shippedDocumentSteps('AWS-RestartEC2Instance', documents)).toBeUndefined();
    expect(shippedDocumentSteps('../Firebreak-Test', documents)).toBeUndefined();
  });
});

describe('FIREBREAK_AUTOMATION_OUTCOME and FIREBREAK_AUTOMATION_OUTCOMES', () => {
  it('default to success for every binding', () => {
    expect(parseAutomationOutcomes({})).toEqual({ default: 'success', byBinding: {} });
  });

  it('read the default and the bindings’ own', () => {
    expect(
      parseAutomationOutcomes({
        FIREBREAK_AUTOMATION_OUTCOME: 'timeout',
        FIREBREAK_AUTOMATION_OUTCOMES: '{"restart-web":"failure"}',
      }),
    ).toEqual({ default: 'timeout', byBinding: { 'restart-web': 'failure' } });
  });

  it.each([
    [{ FIREBREAK_AUTOMATION_OUTCOME: 'fail' }, /^FIREBREAK_AUTOMATION_OUTCOME: /],
    [
      { FIREBREAK_AUTOMATION_OUTCOMES: 'restart-web=failure' },
      /^FIREBREAK_AUTOMATION_OUTCOMES: must be JSON/,
    ],
    [
      { FIREBREAK_AUTOMATION_OUTCOMES: '{"restart-web":"boom"}' },
      /^FIREBREAK_AUTOMATION_OUTCOMES\.restart-web: /,
    ],
  ])('name the variable when it is wrong: %j', (env, message) => {
    expect(() => parseAutomationOutcomes(env)).toThrow(message);
  });
});
