import { afterEach, describe, expect, it } from 'vitest';
import type { RunbookInput } from '../../lambdas/runbooks/inputs';
import { LocalRunbookWorkflow, localRunbookDefinition } from '../../local/local-runbooks';

/**
 * Local mode runs the deployed runbook-run definition on the wall clock divided by the time scale. The
 * actions here are scripted (the real ones are executed through this workflow in
 * test/workflow/runbook-run.test.ts): what is checked is the local runtime itself.
 */

const INCIDENT = 'INC-20261127-0001';
const RUN = 'restart-web-0123456789';
let workflow: LocalRunbookWorkflow | undefined;

afterEach(async () => {
  await workflow?.stop();
  workflow = undefined;
});

/** Actions that answer each step as a remediation awaiting approval would, and record what was asked. */
function scripted(answers: Partial<Record<RunbookInput['action'], unknown>>) {
  const asked: RunbookInput[] = [];
  return {
    asked,
    actions: {
      async run(input: RunbookInput) {
        asked.push(input);
        return answers[input.action] ?? {};
      },
    },
  };
}

const approvalAnswers = {
  prepare: { next: 'approval', state: 'awaiting-approval', approvalTimeoutSeconds: 1800 },
  'park-approval': { parked: true },
  'approval-expired': { next: 'end', state: 'approval-expired' },
  start: { next: 'end', state: 'skipped', waitSeconds: 0, settleSeconds: 0, polls: 0 },
};

async function until(done: () => boolean, what: string) {
  for (let i = 0; i < 400; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('LocalRunbookWorkflow', () => {
  it('runs the deployed definition with only local resources: Waits and the approval timeout on the local clock', () => {
    const definition = localRunbookDefinition();
    const resources = new Set(
      Object.values(definition.States)
        .map((state) => state.Resource)
        .filter(Boolean),
    );
    expect([...resources].sort()).toEqual([
      'arn:aws:lambda:local:000000000000:function:firebreak-local-runbook-wait',
      'arn:aws:lambda:local:000000000000:function:firebreak-runbooks',
      'arn:aws:states:::lambda:invoke.waitForTaskToken',
    ]);
    expect(definition.States.AwaitApproval?.TimeoutSecondsPath).toBeUndefined();
    expect(
      (definition.States.AwaitApproval?.Parameters as Record<string, unknown> | undefined)?.[
        'timeoutSeconds.$'
      ],
    ).toBe('$.prepare.approvalTimeoutSeconds');
  });

  it('skips the run when nobody approves within the (scaled) timeout, and refuses a second start by name', async () => {
    // Prepare: 30 minutes pass in 18 ms.
    const { asked, actions } = scripted(approvalAnswers);
    workflow = new LocalRunbookWorkflow({ actions, timeScale: 100_000, onError: () => undefined });

    // Act
    const first = await workflow.start(INCIDENT, RUN);
    const second = await workflow.start(INCIDENT, RUN);
    await workflow.drain();

    // Assess
    expect([first, second]).toEqual(['started', 'already-running']);
    expect(asked.map((input) => input.action)).toEqual(['prepare', 'park-approval', 'approval-expired']);
    expect(asked[1]).toMatchObject({ token: `local-runbook-token:${INCIDENT}_${RUN}` });
    const execution = workflow.executions.get(`${INCIDENT}_${RUN}`);
    expect(execution?.status).toBe('succeeded');
    expect(execution?.states).toEqual([
      'Prepare',
      'Route',
      'AwaitApproval',
      'ApprovalExpired',
      'AfterApprovalExpired',
      'RunEnded',
    ]);
    expect(await workflow.approve(`local-runbook-token:${INCIDENT}_${RUN}`)).toBe('not-waiting');
  });

  it('goes on when the token is sent back, and routes a rejection by its error name', async () => {
    // Prepare
    const approved = scripted(approvalAnswers);
    const rejected = scripted(approvalAnswers);
    workflow = new LocalRunbookWorkflow({
      actions: {
        run: (input) =>
          'runId' in input && input.runId === RUN ? approved.actions.run(input) : rejected.actions.run(input),
      },
      timeScale: 1,
      onError: () => undefined,
    });
    const other = 'restart-db-0123456789';

    // Act
    await workflow.start(INCIDENT, RUN);
    await workflow.start(INCIDENT, other);
    await until(() => approved.asked.length === 2 && rejected.asked.length === 2, 'both approval waits');
    const approval = await workflow.approve(`local-runbook-token:${INCIDENT}_${RUN}`);
    const rejection = await workflow.reject(`local-runbook-token:${INCIDENT}_${other}`, 'not now');
    await workflow.drain();

    // Assess
    expect([approval, rejection]).toEqual(['signalled', 'signalled']);
    expect(approved.asked.map((input) => input.action)).toEqual(['prepare', 'park-approval', 'start']);
    expect(rejected.asked.map((input) => input.action)).toEqual([
      'prepare',
      'park-approval',
      'approval-rejected',
    ]);
  });
});
