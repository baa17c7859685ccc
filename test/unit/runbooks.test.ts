import { describe, expect, it } from 'vitest';
import {
  automationProgress,
  type BreakerState,
  breakerDecision,
  clientTokenOf,
  countBreakerStart,
  executionNameOf,
  pollDelaySeconds,
  runIdOf,
  trippedBreaker,
} from '#core/runbook-run';
import {
  fillParameters,
  matchBindings,
  parseRunbookConfig,
  type RunbookAlert,
  type RunbookBinding,
} from '#core/runbooks';

const ALERT: RunbookAlert = {
  incidentId: 'INC-20261127-0001',
  alertId: 'a1',
  dedupKey: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu-high',
  source: { kind: 'cloudwatch', name: 'web-prod-cpu-high', account: '111122223333', region: 'us-east-1' },
  service: 'web-prod',
  team: 'checkout',
  category: 'Infrastructure',
  labels: { env: 'prod', 'aws:cloudformation:stack-name': 'web' },
  namespace: 'AWS/EC2',
  metricNames: ['CPUUtilization'],
  dimensions: { InstanceId: 'i-0abc' },
};

const binding = (raw: Record<string, unknown>): RunbookBinding =>
  parseRunbookConfig({
    bindings: { b: { document: { name: 'Doc-A', version: '1' }, kind: 'remediation', ...raw } },
  }).bindings.b as RunbookBinding;

describe('matchBindings', () => {
  const config = parseRunbookConfig({
    bindings: {
      'z-by-alarm': {
        match: { alarmName: 'web-prod-*' },
        document: { name: 'Doc-A', version: '1' },
        kind: 'diagnostic',
      },
      'a-by-metric': {
        match: { namespace: 'AWS/EC2', metric: 'CPUUtilization', tags: { env: 'prod' } },
        document: { name: 'Doc-B', version: '2' },
        kind: 'remediation',
      },
      'by-team-elsewhere': {
        match: { team: 'payments' },
        document: { name: 'Doc-C', version: '1' },
        kind: 'diagnostic',
      },
      'by-category': {
        match: { category: ['Database'], source: ['cloudwatch'] },
        document: { name: 'Doc-D', version: '1' },
        kind: 'diagnostic',
      },
    },
  });

  it('returns the bindings whose every criterion holds, in name order', () => {
    expect(matchBindings(config, ALERT).map(([name]) => name)).toEqual(['a-by-metric', 'z-by-alarm']);
  });

  it('needs every tag given, with its value', () => {
    expect(matchBindings(config, { ...ALERT, labels: { env: 'staging' } }).map(([name]) => name)).toEqual([
      'z-by-alarm',
    ]);
  });

  it('matches nothing for an alert of another kind', () => {
    const finding = {
      ...ALERT,
      source: { kind: 'guardduty', name: 'Recon:EC2/PortProbe' },
      namespace: undefined,
    };
    expect(matchBindings(config, finding)).toEqual([]);
  });
});

describe('fillParameters', () => {
  it('fills placeholders from the alert, keeps plain text, and takes the resource from the values', () => {
    // Act
    const filled = fillParameters(
      binding({
        match: { service: 'web-prod' },
        parameters: {
          InstanceId: '{dimension.InstanceId}',
          Note: 'incident {incidentId} on {service} ({label.env})',
          AutomationAssumeRole: '{automationRole}',
        },
      }),
      ALERT,
      'arn:aws:iam::111122223333:role/automation',
    );

    // Assess
    expect(filled).toEqual({
      ok: true,
      parameters: {
        InstanceId: 'i-0abc',
        Note: 'incident INC-20261127-0001 on web-prod (prod)',
        AutomationAssumeRole: 'arn:aws:iam::111122223333:role/automation',
      },
      resource: 'i-0abc,incident INC-20261127-0001 on web-prod (prod)',
    });
  });

  it('names every parameter it cannot fill, and never guesses', () => {
    const filled = fillParameters(
      binding({
        match: { service: 'web-prod' },
        parameters: {
          DBInstanceIdentifier: '{dimension.DBInstanceIdentifier}',
          Role: '{automationRole}',
          Region: '{region}',
        },
      }),
      ALERT,
    );
    expect(filled).toEqual({
      ok: false,
      missing: [
        { parameter: 'DBInstanceIdentifier', placeholder: '{dimension.DBInstanceIdentifier}' },
        { parameter: 'Role', placeholder: '{automationRole}' },
      ],
    });
  });

  it('takes the resource from its own template when the binding gives one', () => {
    const filled = fillParameters(
      binding({
        match: { service: 'web-prod' },
        parameters: { Id: '{dimension.InstanceId}' },
        resource: 'ec2:{dimension.InstanceId}',
      }),
      ALERT,
    );
    expect(filled).toMatchObject({ ok: true, resource: 'ec2:i-0abc' });
  });
});

describe('the circuit breaker', () => {
  const now = new Date('2026-11-27T10:00:00.000Z');
  const state = (extra: Partial<BreakerState>): BreakerState => ({
    resource: 'i-0abc',
    starts: [],
    runs: {},
    version: 1,
    ...extra,
  });

  it('allows a start under the hourly limit and counts it, forgetting starts older than an hour', () => {
    expect(
      breakerDecision(state({ starts: ['2026-11-27T08:30:00.000Z', '2026-11-27T09:30:00.000Z'] }), now, {
        maxRunsPerHour: 2,
      }),
    ).toEqual({
      allowed: true,
      starts: ['2026-11-27T09:30:00.000Z', '2026-11-27T10:00:00.000Z'],
    });
  });

  it('refuses beyond the hourly limit, and during a trip', () => {
    expect(
      breakerDecision(state({ starts: ['2026-11-27T09:10:00.000Z', '2026-11-27T09:30:00.000Z'] }), now, {
        maxRunsPerHour: 2,
      }),
    ).toEqual({
      allowed: false,
      reason: 'circuit breaker open for i-0abc: 2 automatic remediation(s) in the last hour (limit 2)',
    });
    expect(
      breakerDecision(state({ trippedUntil: '2026-11-27T10:30:00.000Z', trippedBy: 'restart failed' }), now, {
        maxRunsPerHour: 2,
      }),
    ).toEqual({
      allowed: false,
      reason: 'circuit breaker open for i-0abc until 2026-11-27T10:30:00.000Z: restart failed',
    });
    expect(
      breakerDecision(state({ trippedUntil: '2026-11-27T09:59:00.000Z' }), now, { maxRunsPerHour: 2 }),
    ).toMatchObject({
      allowed: true,
    });
  });

  it('counts a run once: a retried step finds it counted and writes nothing', () => {
    // Act
    const first = countBreakerStart(undefined, 'i-0abc', 'restart-web-0123456789', now, {
      maxRunsPerHour: 1,
    });
    const counted = { ...(first.allowed && first.next ? first.next : state({})), version: 1 };
    const retried = countBreakerStart(counted, 'i-0abc', 'restart-web-0123456789', now, {
      maxRunsPerHour: 1,
    });
    const another = countBreakerStart(counted, 'i-0abc', 'restart-web-9999999999', now, {
      maxRunsPerHour: 1,
    });

    // Assess
    expect(first).toEqual({
      allowed: true,
      next: {
        resource: 'i-0abc',
        starts: [now.toISOString()],
        runs: { 'restart-web-0123456789': now.toISOString() },
      },
    });
    expect(retried).toEqual({ allowed: true });
    expect(another).toMatchObject({ allowed: false });
  });

  it('trips for the cooldown from the failure, never shortening a longer trip', () => {
    expect(trippedBreaker(undefined, 'i-0abc', now, 60, 'restart failed')).toEqual({
      resource: 'i-0abc',
      starts: [],
      runs: {},
      trippedUntil: '2026-11-27T11:00:00.000Z',
      trippedBy: 'restart failed',
    });
    expect(
      trippedBreaker(
        state({ trippedUntil: '2026-11-27T12:00:00.000Z', trippedBy: 'earlier' }),
        'i-0abc',
        now,
        60,
        'later',
      ),
    ).toMatchObject({ trippedUntil: '2026-11-27T12:00:00.000Z', trippedBy: 'earlier' });
  });
});

describe('run ids, execution names and client tokens', () => {
  it('names a run by binding and trigger, the same for the same trigger twice', () => {
    expect(runIdOf('restart-web', 'opened', 'a1')).toBe(runIdOf('restart-web', 'opened', 'a1'));
    expect(runIdOf('restart-web', 'opened', 'a1')).not.toBe(runIdOf('restart-web', 'joined', 'a1'));
    expect(runIdOf('restart-web', 'opened', 'a1')).toMatch(/^restart-web-[0-9a-f]{10}$/);
  });

  it('keeps execution names within 80 characters', () => {
    expect(executionNameOf('INC-20261127-0001', 'restart-web-0123456789')).toBe(
      'INC-20261127-0001_restart-web-0123456789',
    );
    expect(executionNameOf('INC-20261127-0001', `${'a'.repeat(40)}-0123456789`)).toHaveLength(69);
  });

  it('derives a UUID ClientToken from the incident and the run, stable across retries', () => {
    const token = clientTokenOf('INC-20261127-0001', 'restart-web-0123456789');
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(clientTokenOf('INC-20261127-0001', 'restart-web-0123456789')).toBe(token);
    expect(clientTokenOf('INC-20261127-0002', 'restart-web-0123456789')).not.toBe(token);
  });
});

describe('automationProgress and the poll back-off', () => {
  it.each([
    ['Pending', 'in-progress'],
    ['InProgress', 'in-progress'],
    ['Waiting', 'in-progress'],
    ['Success', 'succeeded'],
    ['CompletedWithSuccess', 'succeeded'],
    ['TimedOut', 'timed-out'],
    ['Failed', 'failed'],
    ['Cancelled', 'failed'],
    ['CompletedWithFailure', 'failed'],
  ])('reads SSM status %s as %s', (status, progress) => {
    expect(automationProgress(status)).toBe(progress);
  });

  it('polls after 5, 10, 20 seconds, then every 30', () => {
    expect([0, 1, 2, 3, 4, 10].map(pollDelaySeconds)).toEqual([5, 10, 20, 30, 30, 30]);
  });
});
