/**
 * The demo's last act, closing the loop (issue 13): a public update and the status page, a P1 resolved and
 * refused closing until its checklist is complete (the review draft, scheduled with an action item), an
 * alarm that keeps coming back becoming a problem, and the figures of it all.
 */
import { DEMO_ALARMS, type DemoAlarm } from './demo-alarms';

export interface DemoClient {
  /** A call that must succeed (throws on an error status). */
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** A call whose status the demo shows either way. */
  send(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; answer: Record<string, unknown> }>;
  /** A GET without the token (the public status page). */
  publicGet(path: string): Promise<{ status: number; answer: Record<string, unknown> }>;
  alarm(alarm: DemoAlarm, state: 'ALARM' | 'OK'): Promise<string>;
  until<T>(read: () => Promise<T | undefined>, what: string, minutes?: number): Promise<T | undefined>;
}

interface Figure {
  mean: number | null;
  p50: number | null;
  p90: number | null;
}

const minutes = (figure: Figure) => (figure.p50 === null ? 'n/a' : `${(figure.p50 / 60).toFixed(1)} min`);

/** A public update on the checkout incident, then what `GET /status` shows to anyone. */
export async function showStatusPage(demo: DemoClient, checkout: string): Promise<void> {
  await demo.call('POST', `/incidents/${checkout}/updates`, {
    phase: 'Investigating',
    message: 'Some customers see errors at checkout. We are working on it.',
    public: true,
  });
  console.log(`  ${checkout}: a public update posted ("Some customers see errors at checkout…")`);
  const page = await demo.publicGet('/status');
  if (page.status === 404) {
    console.log('  (no status page: this local mode runs without firebreak.statusPage)');
    return;
  }
  const services = page.answer.services as Array<{ name: string; status: string; updates: unknown[] }>;
  for (const service of services)
    console.log(`  /status: ${service.name} ${service.status} (${service.updates.length} public update(s))`);
}

/**
 * Resolves the database incident, shows the 409 listing what closing still needs, schedules the review the
 * resolution opened (with an action item), then closes it.
 */
export async function closeWithChecklist(demo: DemoClient, incidentId: string): Promise<void> {
  await demo.call('POST', `/incidents/${incidentId}/resolve`, {
    resolution: 'Rolled back the connection pool change; connections back under 250.',
    rootCause: 'A deploy doubled the connection pool size of every orders-api task.',
  });
  const early = await demo.send('POST', `/incidents/${incidentId}/close`);
  const error = early.answer.error as { code?: string; missing?: string[] } | undefined;
  console.log(
    `  ${incidentId} resolved; close → ${early.status} ${error?.code ?? ''} missing: ${(error?.missing ?? []).join(', ')}`,
  );
  const review = await demo.until(async () => {
    const read = await demo.send('GET', `/incidents/${incidentId}/review`);
    return read.status === 200 ? read.answer : undefined;
  }, 'the review draft');
  if (!review) return;
  const timeline = review.timeline as unknown[];
  console.log(
    `  review draft opened, due ${String(review.dueAt)}: ${timeline.length} timeline entries, figures filled in`,
  );
  const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  await demo.call('PUT', `/incidents/${incidentId}/review`, {
    expectedVersion: review.version,
    state: 'scheduled',
    scheduledFor: new Date(Date.now() + 86_400_000).toISOString(),
    rootCause: 'A deploy doubled the connection pool size of every orders-api task.',
    whys: [
      'Connections hit the database limit: every task opened twice as many.',
      'The pool size doubled: a shared default changed in the deploy.',
      'Nothing checks pool size × tasks against the database limit before a deploy.',
    ],
    actionItems: [
      {
        id: 'pool-budget-check',
        title: 'Check pool size × tasks against max_connections in the deploy pipeline',
        owner: 'bob',
        dueDate: due,
        status: 'open',
      },
    ],
  });
  console.log(`  review scheduled, an action item for bob due ${due}`);
  const closed = await demo.until(async () => {
    const answer = await demo.send('POST', `/incidents/${incidentId}/close`);
    return answer.status === 200 ? answer.answer : undefined;
  }, 'the closing checklist');
  if (closed) console.log(`  ${incidentId} closed`);
}

/**
 * The search alarm fires and recovers twice more: three incidents of the same alarm within 30 days make
 * a problem record for root-cause work (nobody is paged for it).
 */
export async function recurringAlarm(demo: DemoClient): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const id = await demo.alarm(DEMO_ALARMS.search, 'ALARM');
    await demo.alarm(DEMO_ALARMS.search, 'OK');
    await demo.until(async () => {
      const incident = await demo.call('GET', `/incidents/${id}`);
      return incident.status === 'resolved' ? incident : undefined;
    }, `${id} to resolve`);
  }
  const problem = await demo.until(
    async () => {
      const list = await demo.call('GET', '/problems');
      return (list.items as Array<Record<string, unknown>>)[0];
    },
    'a problem record',
    2,
  );
  if (problem)
    console.log(
      `  ${String(problem.id)}: ${String(problem.title)} (${String(problem.incidentCount)} incidents)`,
    );
}

/** The figures of everything above, by priority. */
export async function printFigures(demo: DemoClient): Promise<void> {
  const summary = await demo.call('GET', '/metrics/summary?groupBy=priority');
  const groups = summary.groups as Array<{
    key: string;
    count: number;
    mtta: Figure;
    mttr: Figure;
    slaBreached: number;
  }>;
  for (const group of groups)
    console.log(
      `  ${group.key}: ${group.count} incident(s), MTTA p50 ${minutes(group.mtta)}, ` +
        `MTTR p50 ${minutes(group.mttr)}, ${group.slaBreached} SLA breach(es)`,
    );
}
