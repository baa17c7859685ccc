import { describe, expect, it } from 'vitest';
import {
  ackTimeoutAt,
  DEFAULT_ESCALATION_CONFIG,
  EscalationConfig,
  type EscalationPolicy,
  type EscalationStep,
  escalationSchedule,
  nextEscalation,
  parseEscalationConfig,
  reminderAt,
  reminderDue,
  selectPolicy,
} from '#core/escalation';

const defaultPolicy = (): EscalationPolicy => {
  const policy = DEFAULT_ESCALATION_CONFIG.policies.default;
  if (!policy) throw new Error('the default config has no "default" policy');
  return policy;
};

const policyNamed = (name: string, overrides: Partial<EscalationPolicy> = {}): EscalationPolicy => ({
  ...defaultPolicy(),
  name,
  ...overrides,
});

/** The default config as plain JSON, as cdk.json context would hold it. */
const rawDefault = (): Record<string, unknown> => JSON.parse(JSON.stringify(DEFAULT_ESCALATION_CONFIG));

function problemsOf(raw: unknown): string[] {
  try {
    parseEscalationConfig(raw);
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('expected the configuration to be rejected');
}

describe('escalation configuration', () => {
  it('accepts the default configuration, through the schema and from JSON', () => {
    const raw = rawDefault();

    const parsed = parseEscalationConfig(raw);

    expect(parsed).toEqual(DEFAULT_ESCALATION_CONFIG);
    expect(EscalationConfig.parse(DEFAULT_ESCALATION_CONFIG)).toEqual(DEFAULT_ESCALATION_CONFIG);
  });

  it('names the route and the missing policy when a route points nowhere', () => {
    const raw = {
      ...rawDefault(),
      routes: [
        { team: 'orders', policy: 'default' },
        { service: 'search', policy: 'default' },
        { category: 'Security', policy: 'payments' },
      ],
    };

    expect(problemsOf(raw)).toEqual(['escalation.routes[2].policy: no policy named "payments"']);
  });

  it('names a default policy that does not exist', () => {
    expect(problemsOf({ ...rawDefault(), defaultPolicy: 'fallback' })).toEqual([
      'escalation.defaultPolicy: no policy named "fallback"',
    ]);
  });

  it('rejects a policy without levels', () => {
    const raw = { ...rawDefault(), policies: { default: { ...defaultPolicy(), levels: [] } } };

    expect(problemsOf(raw)).toEqual(['escalation.policies.default.levels: must have at least one level']);
  });

  it('rejects a negative delay and a fractional one at their own paths', () => {
    const policy = defaultPolicy();
    const levels = [
      { ...policy.levels[0], delayMinutes: -5 },
      { ...policy.levels[1], delayMinutes: 2.5 },
    ];
    const raw = { ...rawDefault(), policies: { default: { ...policy, levels } } };

    expect(problemsOf(raw)).toEqual([
      'escalation.policies.default.levels[0].delayMinutes: must be 0 or more minutes',
      'escalation.policies.default.levels[1].delayMinutes: must be a whole number of minutes',
    ]);
  });

  it('names each unknown key at its own path', () => {
    const raw = {
      ...rawDefault(),
      policies: { default: { ...defaultPolicy(), escalateAfter: 10 } },
      retries: 3,
    };

    expect(problemsOf(raw)).toEqual([
      'escalation.policies.default.escalateAfter: unknown key',
      'escalation.retries: unknown key',
    ]);
  });

  it('lists every problem at once, including missing fields and a route without criteria', () => {
    const raw = {
      policies: { default: { ...defaultPolicy(), repeat: 10, management: undefined } },
      routes: [{ policy: 'default' }],
    };

    expect(problemsOf(raw)).toEqual([
      'escalation.policies.default.repeat: must be between 0 and 9',
      'escalation.policies.default.management: is required',
      'escalation.routes[0]: must give at least one of team, service or category',
      'escalation.defaultPolicy: is required',
    ]);
  });

  it('rejects a target that cannot name an SNS topic', () => {
    const raw = {
      ...rawDefault(),
      policies: { default: { ...defaultPolicy(), stakeholders: ['ops team'] } },
    };

    expect(problemsOf(raw)).toEqual([
      'escalation.policies.default.stakeholders[0]: must be 1-64 letters, digits, "-" or "_" (it names an SNS topic)',
    ]);
  });

  it('accepts schedule and person targets with a fallback topic, and names a target of no known kind', () => {
    const levels = [
      { name: 'primary', delayMinutes: 0, targets: ['schedule:primary', 'person:alice'], fallback: 'backup' },
      { name: 'secondary', delayMinutes: 15, targets: ['team:checkout', 'schedule:Not Valid'] },
    ];
    const raw = { ...rawDefault(), policies: { default: { ...defaultPolicy(), levels } } };

    expect(problemsOf(raw)).toEqual([
      'escalation.policies.default.levels[1].targets[0]: "team:" is not a kind of target; a target must be schedule:<id>, person:<id> or a topic name (1-64 letters, digits, "-" or "_")',
      expect.stringMatching(
        /^escalation\.policies\.default\.levels\[1\]\.targets\[1\]: schedule:<id>: the schedule id /,
      ),
    ]);
    const good = { ...rawDefault(), policies: { default: { ...defaultPolicy(), levels: [levels[0]] } } };
    expect(parseEscalationConfig(good).policies.default?.levels[0]?.fallback).toBe('backup');
    expect(
      escalationSchedule(parseEscalationConfig(good).policies.default as EscalationPolicy)[0],
    ).toMatchObject({ targets: ['schedule:primary', 'person:alice'], fallback: 'backup' });
  });

  it('starts the error with a line that says what was being parsed', () => {
    expect(() => parseEscalationConfig({})).toThrow(/^Invalid escalation configuration:\n {2}escalation\./);
  });
});

describe('selectPolicy', () => {
  const config = EscalationConfig.parse({
    policies: {
      default: policyNamed('default'),
      orders: policyNamed('orders'),
      search: policyNamed('search'),
      security: policyNamed('security'),
      'orders-db': policyNamed('orders database'),
    },
    routes: [
      { team: 'orders', category: 'Database', policy: 'orders-db' },
      { team: 'orders', policy: 'orders' },
      { service: 'search-api', policy: 'search' },
      { category: 'Security', policy: 'security' },
    ],
    defaultPolicy: 'default',
  });

  it.each([
    ['team', { team: 'orders', service: 'checkout-api', category: 'Application' }, 'orders'],
    ['service', { service: 'search-api', category: 'Application' }, 'search'],
    ['category', { team: 'web', service: 'web-prod', category: 'Security' }, 'security'],
    [
      'team and category together',
      { team: 'orders', service: 'orders-db', category: 'Database' },
      'orders-db',
    ],
    ['nothing (fallback)', { team: 'web', service: 'web-prod', category: 'Network' }, 'default'],
  ] as const)('routes by %s', (_, incident, expected) => {
    const selected = selectPolicy(config, incident);

    expect(selected.name).toBe(expected);
    expect(selected.policy).toBe(config.policies[expected]);
  });

  it('takes the first matching route when several match', () => {
    const incident = { team: 'orders', service: 'search-api', category: 'Security' } as const;

    expect(selectPolicy(config, incident).name).toBe('orders');
  });

  it('never matches a route without criteria, even in a config that was not parsed', () => {
    const unparsed = { ...config, routes: [{ policy: 'orders' }] };

    expect(selectPolicy(unparsed, { service: 'web-prod', category: 'Network' }).name).toBe('default');
  });

  it('does not match a team route for an incident without a team', () => {
    expect(selectPolicy(config, { service: 'checkout-api', category: 'Database' }).name).toBe('default');
  });
});

describe('escalationSchedule', () => {
  it('pages the default chain at minutes 0, 15 and 30, then repeats it once', () => {
    const schedule = escalationSchedule(defaultPolicy());

    expect(schedule).toEqual([
      { round: 1, level: 1, levelName: 'primary on-call', atMinute: 0, targets: ['primary-on-call'] },
      { round: 1, level: 2, levelName: 'secondary on-call', atMinute: 15, targets: ['secondary-on-call'] },
      {
        round: 1,
        level: 3,
        levelName: 'engineering manager',
        atMinute: 30,
        targets: ['engineering-manager'],
      },
      // The repeat waits level 1's delay, but at least a minute.
      { round: 2, level: 1, levelName: 'primary on-call', atMinute: 31, targets: ['primary-on-call'] },
      { round: 2, level: 2, levelName: 'secondary on-call', atMinute: 46, targets: ['secondary-on-call'] },
      {
        round: 2,
        level: 3,
        levelName: 'engineering manager',
        atMinute: 61,
        targets: ['engineering-manager'],
      },
    ]);
  });

  it('waits level 1 delay before the first page and before each repeat when it is set', () => {
    const policy = policyNamed('slow start', {
      levels: [
        { name: 'primary', delayMinutes: 5, targets: ['a'] },
        { name: 'secondary', delayMinutes: 10, targets: ['b'] },
      ],
      repeat: 2,
    });

    expect(escalationSchedule(policy).map((page) => [page.round, page.level, page.atMinute])).toEqual([
      [1, 1, 5],
      [1, 2, 15],
      [2, 1, 20],
      [2, 2, 30],
      [3, 1, 35],
      [3, 2, 45],
    ]);
  });

  it('pages once through when repeat is 0', () => {
    const policy = policyNamed('once', { repeat: 0 });

    expect(escalationSchedule(policy).map((page) => page.atMinute)).toEqual([0, 15, 30]);
  });

  it('starts at a later level, counting minutes from when the level before it was paged', () => {
    const schedule = escalationSchedule(defaultPolicy(), { startLevel: 2 });

    expect(schedule.map((page) => [page.round, page.level, page.atMinute])).toEqual([
      [1, 2, 15],
      [1, 3, 30],
      [2, 1, 31],
      [2, 2, 46],
      [2, 3, 61],
    ]);
  });

  it.each([0, 4, 1.5])('refuses start level %s', (startLevel) => {
    expect(() => escalationSchedule(defaultPolicy(), { startLevel })).toThrow(
      `Start level ${startLevel} is outside 1..3 of policy "default"`,
    );
  });
});

describe('nextEscalation', () => {
  it('walks the default chain from nothing paged to exhausted', () => {
    const policy = defaultPolicy();
    const steps: EscalationStep[] = [];

    let next = nextEscalation(policy, { round: 1, level: 0 });
    while (!next.exhausted) {
      steps.push(next);
      next = nextEscalation(policy, next);
    }

    expect(steps.map((step) => [step.round, step.level, step.delayMinutes])).toEqual([
      [1, 1, 0],
      [1, 2, 15],
      [1, 3, 15],
      [2, 1, 1],
      [2, 2, 15],
      [2, 3, 15],
    ]);
    expect(next).toEqual({ exhausted: true });
  });

  it('gives the next level its targets and name', () => {
    expect(nextEscalation(defaultPolicy(), { round: 1, level: 1 })).toEqual({
      exhausted: false,
      round: 1,
      level: 2,
      levelName: 'secondary on-call',
      delayMinutes: 15,
      targets: ['secondary-on-call'],
    });
  });

  it('is exhausted after the last level of the last round', () => {
    expect(nextEscalation(defaultPolicy(), { round: 2, level: 3 })).toEqual({ exhausted: true });
  });

  it.each([
    [{ round: 0, level: 1 }, 'Escalation round 0 is outside 1..2 of policy "default"'],
    [{ round: 3, level: 1 }, 'Escalation round 3 is outside 1..2 of policy "default"'],
    [{ round: 1, level: 4 }, 'Escalation level 4 is outside 0..3 of policy "default"'],
    [{ round: 1, level: -1 }, 'Escalation level -1 is outside 0..3 of policy "default"'],
  ])('refuses a position outside the policy: %o', (position, message) => {
    expect(() => nextEscalation(defaultPolicy(), position)).toThrow(message);
  });
});

describe('acknowledgement timeout and reminders', () => {
  it.each([
    ['P1', '2026-11-27T10:30:00.000Z'],
    ['P2', '2026-11-27T11:00:00.000Z'],
    ['P3', '2026-11-27T14:00:00.000Z'],
    ['P4', '2026-11-28T10:00:00.000Z'],
  ] as const)('times out a %s acknowledgement made at 10:00 at %s', (priority, expected) => {
    expect(ackTimeoutAt(defaultPolicy(), priority, '2026-11-27T10:00:00.000Z')).toBe(expected);
  });

  it('refuses a time that is not ISO 8601', () => {
    expect(() => ackTimeoutAt(defaultPolicy(), 'P1', 'yesterday')).toThrow(
      'Not an ISO 8601 time: "yesterday"',
    );
  });

  it.each([
    ['P1', '2026-11-27T10:29:59.999Z', false],
    ['P1', '2026-11-27T10:30:00.000Z', true],
    ['P2', '2026-11-27T10:45:00.000Z', true],
    ['P3', '2026-11-29T10:00:00.000Z', false],
    ['P4', '2026-11-29T10:00:00.000Z', false],
  ] as const)('%s, last update at 10:00, now %s: reminder due is %s', (priority, now, due) => {
    expect(reminderDue(defaultPolicy(), priority, '2026-11-27T10:00:00.000Z', now)).toBe(due);
  });

  it('gives the next reminder time, or none for a priority without reminders', () => {
    const policy = defaultPolicy();

    expect(reminderAt(policy, 'P2', '2026-11-27T10:00:00.000Z')).toBe('2026-11-27T10:30:00.000Z');
    expect(reminderAt(policy, 'P3', '2026-11-27T10:00:00.000Z')).toBeUndefined();
  });
});
