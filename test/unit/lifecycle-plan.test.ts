import { describe, expect, it } from 'vitest';
import { escalationProgress, type LifecyclePlan } from '#core/lifecycle-plan';
import { describeTaskError, parseLifecycleInput } from '../../lambdas/lifecycle/inputs';

/** The default chain for a P3: levels 15 minutes apart, repeated once a minute after the last level. */
const step = (level: number, round: number, delaySeconds: number) => ({
  round,
  level,
  levelName: `level ${level}`,
  targets: [`target-${level}`],
  delaySeconds,
});
const PLAN: LifecyclePlan = {
  policy: 'default',
  priority: 'P3',
  steps: [step(1, 1, 0), step(2, 1, 900), step(3, 1, 900), step(1, 2, 60), step(2, 2, 900), step(3, 2, 900)],
  ackTimeoutSeconds: 14_400,
  slaSeconds: 14_400,
  reminderSeconds: 0,
  reminderLimit: 0,
  watchSeconds: 3600,
  watchLimit: 168,
};

describe('escalationProgress', () => {
  it('puts each step its delay after the step before was due, not after it was done', () => {
    // Prepare
    let dueAt = new Date('2026-11-27T10:00:00.000Z');
    const due: string[] = [];

    // Act: walk the chain from the cycle's start, each step due when the one before said.
    for (let index = 0; index < PLAN.steps.length - 1; index++) {
      const progress = escalationProgress(PLAN, index, dueAt);
      due.push(progress.nextAt);
      dueAt = new Date(progress.nextAt);
    }

    // Assess
    expect(due).toEqual([
      '2026-11-27T10:15:00.000Z',
      '2026-11-27T10:30:00.000Z',
      '2026-11-27T10:31:00.000Z',
      '2026-11-27T10:46:00.000Z',
      '2026-11-27T11:01:00.000Z',
    ]);
  });

  it('says where the chain goes after a step, and that the last step has nothing after it', () => {
    // Act
    const second = escalationProgress(PLAN, 1, new Date('2026-11-27T10:15:00.000Z'));
    const last = escalationProgress(PLAN, 5, new Date('2026-11-27T11:01:00.000Z'));

    // Assess
    expect(second).toEqual({
      nextIndex: 2,
      hasNext: true,
      delaySeconds: 900,
      nextAt: '2026-11-27T10:30:00.000Z',
    });
    expect(last).toMatchObject({ nextIndex: 6, hasNext: false, delaySeconds: 0 });
  });

  it('refuses a due time that is not a time', () => {
    expect(() => escalationProgress(PLAN, 0, new Date('not a time'))).toThrow(RangeError);
  });
});

describe('the failure records the state machine asks for', () => {
  it('reads the message out of the JSON cause Lambda gives, and keeps any other cause as it is', () => {
    // Act
    const fromLambda = describeTaskError({
      Error: 'Notice.Undelivered',
      Cause: JSON.stringify({
        errorType: 'Notice.Undelivered',
        errorMessage: 'notice reminder-0 was not delivered to stakeholders (NotFoundException: gone)',
        trace: ['at notifyOnce'],
      }),
    });
    const fromStates = describeTaskError({ Error: 'States.Timeout', Cause: 'The task timed out.' });
    const bare = describeTaskError({});

    // Assess
    expect(fromLambda).toEqual({
      error: 'Notice.Undelivered',
      cause: 'notice reminder-0 was not delivered to stakeholders (NotFoundException: gone)',
    });
    expect(fromStates).toEqual({ error: 'States.Timeout', cause: 'The task timed out.' });
    expect(bare).toEqual({ error: 'unknown error', cause: '' });
  });

  it('keeps at most 1000 characters of a cause', () => {
    expect(describeTaskError({ Error: 'E', Cause: 'x'.repeat(5000) }).cause).toHaveLength(1000);
  });

  it('takes a failed step with its state and key, and refuses a key or state it could not have sent', () => {
    // Prepare
    const base = { action: 'step-failed', incidentId: 'INC-20261127-0001', error: { Error: 'E' } };

    // Act
    const parsed = parseLifecycleInput({ ...base, state: 'SendReminder', key: 'reminder-3' });

    // Assess
    expect(parsed).toMatchObject({ action: 'step-failed', state: 'SendReminder', key: 'reminder-3' });
    expect(() => parseLifecycleInput({ ...base, state: 'SendReminder', key: 'failure:x' })).toThrow(/key/);
    expect(() => parseLifecycleInput({ ...base, state: '$.x', key: 'reminder-3' })).toThrow(/state/);
  });

  it('takes a page with or without its due time (definitions started before due times did not send one)', () => {
    // Prepare
    const page = { action: 'page', incidentId: 'INC-20261127-0001', step: 0, cycle: 0, plan: PLAN };

    // Act / Assess
    expect(parseLifecycleInput(page)).toMatchObject({ action: 'page', step: 0 });
    expect(parseLifecycleInput({ ...page, dueAt: '2026-11-27T10:00:00.123Z' })).toMatchObject({
      dueAt: '2026-11-27T10:00:00.123Z',
    });
    expect(() => parseLifecycleInput({ ...page, dueAt: 'soon' })).toThrow(/dueAt/);
  });
});
