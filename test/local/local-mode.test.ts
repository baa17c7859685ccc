import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { type LocalRuntime, startLocal } from '../../local/runtime';
import { loadFixture } from '../support/fixtures';

const TOKEN = 'local-test-token';
const KEY = '0123456789abcdef0123456789abcdef';
let local: LocalRuntime;

beforeAll(async () => {
  // 15 minutes of escalation delay pass in 90 ms.
  local = await startLocal({
    port: 0,
    timeScale: 10_000,
    token: TOKEN,
    integrationKey: KEY,
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
  });
});
afterAll(async () => {
  await local.stop();
});

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

type Notification = { target: string; kind: string; priority?: string; incidentId?: string };
const notifications = async () => (await api('GET', '/local/notifications')).body.items as Notification[];

describe('local mode (npm start) on embedded parts', () => {
  it('answers /health without credentials, binds 127.0.0.1, and refuses the API without the token', async () => {
    const health = await api('GET', '/health', undefined, null);
    const anonymous = await api('GET', '/incidents', undefined, null);

    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(anonymous.status).toBe(401);
  });

  it('replays fixtures through /local/events with the outcome of each', async () => {
    const events = ['03-', '07-', '10-'].map(loadFixture);
    const unrouted = {
      ...loadFixture('01-'),
      source: 'aws.ec2',
      'detail-type': 'EC2 Instance State-change Notification',
    };

    const answer = await api('POST', '/local/events', [...events, events[0], unrouted]);

    const results = answer.body.results as Array<{ outcome: string; incidentId?: string }>;
    expect(results.map((r) => r.outcome)).toEqual(['opened', 'ignored', 'opened', 'deduplicated', 'ignored']);
  });

  it('pages, escalates and resolves an alarm as AWS would, then sends the resolution notice', async () => {
    const opened = await api('POST', '/local/events', loadFixture('01-'));
    const id = (opened.body.results as Array<{ incidentId: string }>)[0]?.incidentId ?? '';

    const paged = await until(
      notifications,
      (items) => items.some((n) => n.incidentId === id && n.kind === 'escalation'),
      'an escalation',
    );
    await api('POST', '/local/events', loadFixture('02-'));
    const after = await until(
      notifications,
      (items) => items.some((n) => n.incidentId === id && n.kind === 'resolution'),
      'the resolution notice',
    );

    expect(paged.find((n) => n.incidentId === id)?.kind).toBe('initial');
    const incident = await api('GET', `/incidents/${id}`);
    expect(incident.body).toMatchObject({ status: 'resolved' });
    expect(
      after.filter((n) => n.incidentId === id && n.kind === 'resolution').map((n) => n.target),
    ).toContain('primary-on-call');
  });

  it('stops paging once a person acknowledges through the API', async () => {
    const reported = await api('POST', '/incidents', {
      title: 'Queue backlog',
      service: 'orders',
      impact: 'low',
      urgency: 'low',
    });
    const id = String(reported.body.id);
    await until(notifications, (items) => items.some((n) => n.incidentId === id), 'the first page');

    const ack = await api('POST', `/incidents/${id}/acknowledge`);
    // A page whose status check ran just before the acknowledgement may still land: let it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const pagesAtAck = (await notifications()).filter(
      (n) => n.incidentId === id && n.kind !== 'reminder',
    ).length;
    await new Promise((resolve) => setTimeout(resolve, 400)); // several escalation delays at this time scale
    const pagesLater = (await notifications()).filter(
      (n) => n.incidentId === id && n.kind !== 'reminder',
    ).length;

    expect(ack.body).toMatchObject({ status: 'acknowledged', assignee: 'local-user' });
    expect(pagesLater).toBe(pagesAtAck);
  });

  it('re-plans the running lifecycle when a higher-priority alert joins: level 1 is paged for the P1', async () => {
    // A PagerDuty "warning" (P3) opens the incident; a "critical" (P1) of the same component joins it.
    const event = (dedupKey: string, severity: string) => ({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: { summary: `payments ${severity}`, source: 'payments-host', severity, component: 'payments' },
    });
    await api('POST', '/v2/enqueue', event('payments-latency', 'warning'), null);
    const incidentOf = async () => {
      const incidents = await api('GET', '/incidents?service=payments');
      return (incidents.body.items as Array<{ id: string; priority: string }>)[0];
    };
    const p3 = await until(incidentOf, (incident) => incident !== undefined, 'the incident');
    await until(
      notifications,
      (items) => items.some((n) => n.incidentId === p3?.id && n.kind === 'initial'),
      'the first page',
    );

    await api('POST', '/v2/enqueue', event('payments-errors', 'critical'), null);
    const timeline = async () =>
      (await api('GET', `/incidents/${p3?.id}/timeline`)).body.items as Array<{
        kind: string;
        message: string;
      }>;
    const replanned = await until(
      timeline,
      (entries) => entries.some((e) => e.message.startsWith('Lifecycle re-planned for P1')),
      'the re-plan',
    );
    const paged = await until(
      notifications,
      (items) =>
        items.some((n) => n.incidentId === p3?.id && n.target === 'primary-on-call' && n.priority === 'P1'),
      'level 1 paged for the P1',
    );
    const execution = { ...local.workflow.executions.get(p3?.id ?? '') };
    await api('POST', `/incidents/${p3?.id}/resolve`, { resolution: 'payments recovered' });

    expect(p3?.priority).toBe('P3');
    expect(replanned.filter((e) => e.kind === 'priority-raised')).toHaveLength(1);
    expect(paged.filter((n) => n.incidentId === p3?.id && n.kind === 'initial')).toHaveLength(1);
    // The one execution, still running after the re-plan.
    expect(execution.status).toBe('running');
  });

  it('takes the integration key as a PagerDuty routing key', async () => {
    const answer = await api('POST', '/v2/enqueue', { ...loadFixture('15-'), routing_key: KEY }, null);

    expect(answer).toMatchObject({ status: 202, body: { status: 'success' } });
  });

  it('opens an incident from an event near EventBridge’s limit, its long description trimmed and marked', async () => {
    const event = loadFixture('09-') as { id: string; detail: { configuration: { description?: string } } };
    event.id = 'size-near-limit';
    event.detail.configuration.description = 'd'.repeat(250_000);

    const answer = await api('POST', '/local/events', event);
    const [result] = answer.body.results as Array<{ outcome: string; incidentId: string }>;
    const incident = await api('GET', `/incidents/${result?.incidentId}`);

    // Its lifecycle settles before the suite stops local mode.
    const id = String(result?.incidentId);
    await until(notifications, (items) => items.some((n) => n.incidentId === id), 'the first page');
    await api('POST', `/incidents/${id}/resolve`, { resolution: 'size test done' });
    await until(
      notifications,
      (items) => items.some((n) => n.incidentId === id && n.kind === 'resolution'),
      'the resolution notice',
    );

    expect(result?.outcome).toBe('opened');
    expect(String(incident.body.description)).toMatch(/ …\[trimmed by Firebreak: 250000 bytes in all\]$/);
    expect(Buffer.byteLength(String(incident.body.description))).toBeLessThanOrEqual(8192);
  });

  it('rejects an event over 256 KB as EventBridge would, and a body over the API limit with 413', async () => {
    const event = loadFixture('08-') as { id: string; detail: { configuration: { description?: string } } };
    event.id = 'size-over-eventbridge';
    event.detail.configuration.description = 'd'.repeat(300_000);

    const answer = await api('POST', '/local/events', event);
    const huge = await api('POST', '/incidents', {
      title: 'huge',
      service: 'web',
      impact: 'low',
      urgency: 'low',
      description: 'x'.repeat(900_000),
    });

    expect(answer.body.results).toEqual([
      {
        eventId: 'size-over-eventbridge',
        outcome: 'rejected',
        reason: expect.stringMatching(
          /^the event is \d+ bytes; EventBridge delivers no event over 262144 bytes/,
        ),
      },
    ]);
    expect(huge).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large', message: 'the body is larger than 524288 bytes' } },
    });
  });

  it('lists the automations runbook runs started, newest first, with what SSM would have been given', async () => {
    const start = {
      documentName: 'Firebreak-RestartEC2Instance',
      documentVersion: '1',
      parameters: { InstanceId: ['i-0a7c3e9f2b1d45e68'] },
      incidentId: 'INC-20260314-0001',
      runId: 'restart-web-0123456789',
      binding: 'restart-web',
    };
    const first = await local.automation.start({ ...start, clientToken: 'token-a' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await local.automation.start({ ...start, clientToken: 'token-b' });

    const answer = await api('GET', '/local/automations');

    const items = answer.body.items as Array<Record<string, unknown>>;
    expect(answer.status).toBe(200);
    expect(items.map((item) => item.automationId)).toEqual([second.automationId, first.automationId]);
    expect(items[1]).toMatchObject({
      ...start,
      clientToken: 'token-a',
      outcome: 'success',
      status: expect.stringMatching(/^(InProgress|Success)$/),
      startedAt: expect.any(String),
    });
  });

  it('records a change through POST /local/changes for the diagnosis to find, naming a bad field', async () => {
    const at = new Date(Date.now() - 4 * 60_000).toISOString();

    const recorded = await api('POST', '/local/changes', {
      resource: 'i-0a7c3e9f2b1d45e68',
      service: 'web',
      actor: 'deploy-pipeline',
      what: 'deployed web v142',
      at,
    });
    const missing = await api('POST', '/local/changes', { resource: 'i-1', actor: 'ci', what: 'x' });
    const unknown = await api('POST', '/local/changes', {
      resource: 'i-1',
      service: 'web',
      actor: 'ci',
      what: 'x',
      by: 'bob',
    });
    const found = await local.changes.find({
      resources: ['i-0a7c3e9f2b1d45e68'],
      service: 'web',
      from: new Date(Date.now() - 3_600_000),
      to: new Date(),
    });

    expect(recorded).toEqual({
      status: 201,
      body: {
        at,
        source: 'local',
        actor: 'deploy-pipeline',
        what: 'deployed web v142',
        resource: 'i-0a7c3e9f2b1d45e68',
        service: 'web',
      },
    });
    expect(missing).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', field: 'service' } },
    });
    expect(unknown).toMatchObject({
      status: 400,
      body: {
        error: {
          field: 'by',
          message: 'by: unknown field; this route accepts resource, service, actor, what, at',
        },
      },
    });
    expect(found.map((change) => change.what)).toEqual(['deployed web v142']);
  });
});

describe('README quick start', () => {
  it('names exactly npm ci, npm start and npm test, and package.json has those scripts', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const scripts = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const quickStart = readme.split('## Quick start')[1]?.split('\n## ')[0] ?? '';

    for (const command of ['npm ci', 'npm start', 'npm test']) expect(quickStart).toContain(command);
    for (const script of [...quickStart.matchAll(/npm (?:run )?([a-z](?:[a-z:-]*[a-z])?)/g)].map(
      (m) => m[1],
    )) {
      if (script === 'ci') continue;
      expect(Object.keys(scripts), `npm ${script}`).toContain(script);
    }
  });
});

describe('npm run demo', () => {
  it('starts local mode when none runs and fills it with incidents in different states', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = String((probe.address() as { port: number }).port);
    await new Promise((resolve) => probe.close(resolve));
    const demo = spawn('npx', ['tsx', 'local/demo.ts'], {
      cwd: new URL('../../', import.meta.url),
      env: { ...process.env, PORT: port, FIREBREAK_TOKEN: 'demo-token-1' },
      detached: true,
    });
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      for (let i = 0; i < 600 && !output.includes('Open the console'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const response = await fetch(`http://127.0.0.1:${port}/incidents?limit=10`, {
        headers: { authorization: 'Bearer demo-token-1' },
      });
      const { items } = (await response.json()) as { items: Array<{ status: string; alertCount: number }> };

      expect(output).toContain('Open the console');
      // The rotation: bob covers primary by an override; the secondary follows the sun.
      expect(output).toMatch(/ {2}primary: bob until /);
      expect(output).toMatch(/ {2}secondary: (carol|erin) until /);
      // Pages reach the person on call by SMS (their email waits for confirmation).
      expect(output).toMatch(/INC-\S+ paged bob by sms \+4915100000002/);
      expect(output).toMatch(/checkout-api-p99-latency-high → ALARM: joined INC-/);
      // The change the diagnosis of the web incident finds, recorded before its alarm.
      expect(output).toContain('deploy-pipeline deployed web v142 on i-0a7c3e9f2b1d45e68 4 minutes ago');
      expect(output).toMatch(/web-cpu-utilization-high → ALARM: opened INC-/);
      expect(new Set(items.map((i) => i.status))).toEqual(new Set(['triggered', 'acknowledged', 'resolved']));
      expect(items).toHaveLength(6);
      // The checkout incident holds both checkout alarms.
      expect(items.map((i) => i.alertCount).sort()).toEqual([1, 1, 1, 1, 1, 2]);
      // The seed's conversation, worked in Slack: created, acknowledged, updated, resolved, as the people.
      expect(output).toMatch(
        /dana: \/incident create "API returning 503 errors" → Created \*INC-\S+\* \(P1\)/,
      );
      expect(output).toMatch(/alice: \/incident ack INC-\S+ → \*INC-\S+\* \(P1\) acknowledged by @U0ALICE/);
      expect(output).toMatch(/resolved by @U0ALICE after .*: Rolled back deployment with bad Redis config/);
      expect(output).toMatch(/\d+ Slack message\(s\) posted so far, to C0PAYMENTS, CLOCAL0001/);

      // Then the bound remediation plays out: diagnosis, approval, the automation, the alarm back to OK.
      for (let i = 0; i < 1200 && !/restart-web ended/.test(output); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toMatch(
        /Recent changes: deployed web v142 on i-0a7c3e9f2b1d45e68 by deploy-pipeline .*4 min before the alarm/,
      );
      expect(output).toContain('restart-web is awaiting-approval');
      expect(output).toMatch(/automation [0-9a-f-]{36}: Success/);
      expect(output).toMatch(/web-cpu-utilization-high → OK: resolved INC-/);
      expect(output).toMatch(/restart-web ended verified: web-cpu-utilization-high back to OK/);
    } finally {
      if (demo.pid) process.kill(-demo.pid, 'SIGTERM');
    }
  }, 120_000);
});

describe('local mode with FIREBREAK_DATA_DIR', () => {
  it('keeps incidents across a restart and resumes their lifecycle without paging a sent step again', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-local-'));
    const options = {
      port: 0,
      timeScale: 1,
      token: TOKEN,
      integrationKey: KEY,
      escalation: DEFAULT_ESCALATION_CONFIG,
      grouping: DEFAULT_GROUPING_CONFIG,
      dataDir,
    };
    try {
      const first = await startLocal(options);
      const reported = await fetch(`${first.url}/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Disk filling up', service: 'logs', impact: 'low', urgency: 'low' }),
      });
      const { id } = (await reported.json()) as { id: string };
      // Stop once the page is sent AND recorded (its timeline entry is written last); stopping between the
      // two would rightly send it again after the restart.
      const paged = async () => {
        const timeline = await fetch(`${first.url}/incidents/${id}/timeline`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const { items } = (await timeline.json()) as { items: Array<{ kind: string }> };
        return items.some((entry) => entry.kind === 'notified');
      };
      for (let i = 0; i < 200 && !(await paged()); i++) await new Promise((r) => setTimeout(r, 10));
      await first.stop();

      const second = await startLocal(options);
      try {
        const again = await fetch(`${second.url}/incidents/${id}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        for (let i = 0; i < 50 && second.workflow.executions.size === 0; i++)
          await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 200));

        expect(first.sns.published.map((n) => n.kind)).toEqual(['initial']);
        expect(((await again.json()) as { status: string }).status).toBe('triggered');
        expect([...second.workflow.executions.keys()]).toEqual([id]);
        expect(second.sns.published.filter((n) => n.kind === 'initial')).toHaveLength(0);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
