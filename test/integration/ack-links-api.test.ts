import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AckLinkForm, type AckLinkKey, signAckLink } from '#core/ack-links';
import { ACK_KEYS, type ApiAnswer, type CallOptions, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('ack');
  api = await loadApi(server, table);
});
afterEach(() => api.restore());

const REPORT = {
  title: 'Checkout returns 502 for some users',
  service: 'checkout',
  impact: 'high',
  urgency: 'high',
};
const IN_AN_HOUR = () => new Date(Date.now() + 3_600_000).toISOString();

async function report(title = REPORT.title): Promise<string> {
  const answer = await api.call('POST /incidents', '/incidents', { body: { ...REPORT, title } });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

/** A link's token, as the lifecycle signs it for a page. */
function token(
  incidentId: string,
  options: { personId?: string; expiresAt?: string; key?: AckLinkKey; form?: AckLinkForm } = {},
): string {
  return signAckLink(
    { incidentId, personId: options.personId ?? 'alice', expiresAt: options.expiresAt ?? IN_AN_HOUR() },
    options.key ?? ACK_KEYS.current,
    options.form ?? 'full',
  );
}

/** Opening the link in a browser: no credentials. */
const open = (link: string) => api.call('GET /ack/{token}', `/ack/${link}`, { anonymous: true });
/** The page's button: a form post, with the empty body browsers send for a form with no fields. */
const press = (link: string, options: CallOptions = {}) =>
  api.call('POST /ack/{token}', `/ack/${link}`, {
    anonymous: true,
    rawBody: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ...options,
  });

async function incident(id: string) {
  return (await api.call('GET /incidents/{id}', `/incidents/${id}`)).body as {
    status: string;
    assignee?: string;
  };
}
async function timeline(id: string) {
  const answer = await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`);
  return (answer.body as { items: Array<{ kind: string; actor: string; details: object }> }).items;
}

const html = (answer: ApiAnswer) => answer.body as string;
const heading = (answer: ApiAnswer) => /<h1>(.*?)<\/h1>/.exec(html(answer))?.[1];

/** Tampers one character of the token's payload (1) or MAC (2). */
function tamper(link: string, part: 1 | 2): string {
  const parts = link.split('.');
  const text = parts[part] as string;
  parts[part] = `${text.slice(0, 5)}${text[5] === 'A' ? 'B' : 'A'}${text.slice(6)}`;
  return parts.join('.');
}

describe('GET /ack/{token}: the page a link opens', () => {
  it('shows the incident and an Acknowledge button, and acknowledges nothing', async () => {
    const id = await report();

    const answer = await open(token(id));

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(heading(answer)).toBe(`Acknowledge ${id}?`);
    expect(html(answer)).toContain(`<dd>${id}</dd>`);
    expect(html(answer)).toContain(`<dd>${REPORT.title}</dd>`);
    expect(html(answer)).toContain('<dd><span class="badge priority-P1">P1</span></dd>');
    expect(html(answer)).toContain('<dd><span class="badge status-triggered">triggered</span></dd>');
    expect(html(answer)).toContain(
      '<form method="post"><button type="submit">Acknowledge as alice</button></form>',
    );
    expect(html(answer)).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(await incident(id)).toMatchObject({ status: 'triggered' });
    expect((await timeline(id)).map((entry) => entry.kind)).toEqual(['opened']);
  });

  it('is a page no one caches, indexes, frames, refers from or runs a script in', async () => {
    const id = await report();

    const answer = await open(token(id));

    expect(answer.headers).toMatchObject({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
      'x-frame-options': 'DENY',
    });
    const csp = answer.headers['content-security-policy'] ?? '';
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+='; form-action 'self'; /);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(html(answer)).not.toMatch(/<script|javascript:|\son\w+=/i);
  });

  it('escapes what the incident says', async () => {
    const id = await report('<script>alert("x")</script> & <b>more</b>');

    const answer = await open(token(id));

    expect(html(answer)).toContain(
      '<dd>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;</dd>',
    );
    expect(html(answer)).not.toContain('<script>');
  });

  it('says who acknowledged an incident already, with no button', async () => {
    const id = await report();
    await press(token(id, { personId: 'bob' }));

    const answer = await open(token(id));

    expect(answer.status).toBe(200);
    expect(heading(answer)).toBe('Already acknowledged');
    expect(html(answer)).toMatch(
      new RegExp(`${id} was already acknowledged by person:bob at \\d{4}-\\d\\d-\\d\\d`),
    );
    expect(html(answer)).not.toContain('<form');
  });
});

describe('POST /ack/{token}: the button', () => {
  it('acknowledges as person:<id>, recording on the timeline that it came from a link', async () => {
    const id = await report();

    const answer = await press(token(id));

    expect(answer.status).toBe(200);
    expect(heading(answer)).toBe('Acknowledged');
    expect(html(answer)).toContain(`You (person:alice) acknowledged ${id} at `);
    expect(await incident(id)).toMatchObject({ status: 'acknowledged', assignee: 'person:alice' });
    const acknowledged = (await timeline(id)).filter((entry) => entry.kind === 'acknowledged');
    expect(acknowledged).toEqual([
      expect.objectContaining({ actor: 'person:alice', details: { via: 'ack-link', link: 'full' } }),
    ]);
  });

  it('is harmless twice: the second answers who acknowledged and when, and adds no entry', async () => {
    const id = await report();
    const link = token(id);

    const first = await press(link);
    const second = await press(link);
    const otherPerson = await press(token(id, { personId: 'bob' }));

    expect([first.status, second.status, otherPerson.status]).toEqual([200, 200, 200]);
    expect(heading(second)).toBe('Already acknowledged');
    expect(html(second)).toContain(`${id} was already acknowledged by you (person:alice) at `);
    expect(html(otherPerson)).toContain(`${id} was already acknowledged by person:alice at `);
    expect(await incident(id)).toMatchObject({ assignee: 'person:alice' });
    expect((await timeline(id)).filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
  });

  it('works with the short (SMS) form of the link', async () => {
    const id = await report();
    const link = token(id, { form: 'short' });

    const page = await open(link);
    const answer = await press(link);

    expect([page.status, answer.status]).toEqual([200, 200]);
    expect(link.length).toBeLessThan(70);
    expect((await timeline(id)).find((entry) => entry.kind === 'acknowledged')?.details).toEqual({
      via: 'ack-link',
      link: 'short',
    });
  });

  it('accepts a link signed with the previous key while the key is being rotated', async () => {
    const id = await report();

    const answer = await press(token(id, { key: ACK_KEYS.previous }));

    expect(answer.status).toBe(200);
    expect(await incident(id)).toMatchObject({ status: 'acknowledged', assignee: 'person:alice' });
  });

  it('reads no body: a form with fields, a JSON body with unknown fields, or none at all', async () => {
    const ids = [await report(), await report('Payments time out'), await report('Search is slow')];

    const answers = [
      await press(token(ids[0] as string), { rawBody: 'confirm=yes&by=mallory' }),
      await press(token(ids[1] as string), {
        rawBody: '{"by": "mallory"}',
        headers: { 'content-type': 'application/json' },
      }),
      await api.call('POST /ack/{token}', `/ack/${token(ids[2] as string)}`, { anonymous: true }),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    for (const id of ids) expect(await incident(id)).toMatchObject({ assignee: 'person:alice' });
  });

  it('answers 409 for a resolved incident, changing nothing', async () => {
    const id = await report();
    await api.call('POST /incidents/{id}/resolve', `/incidents/${id}/resolve`, {
      body: { resolution: 'rolled back' },
    });

    const page = await open(token(id));
    const answer = await press(token(id));

    expect([page.status, answer.status]).toEqual([409, 409]);
    expect(heading(answer)).toBe('Incident resolved');
    expect(html(answer)).toContain(`${id} is resolved: there is nothing to acknowledge.`);
    expect(await incident(id)).toMatchObject({ status: 'resolved' });
    expect((await timeline(id)).map((entry) => entry.kind)).not.toContain('acknowledged');
  });
});

describe('links that do not work', () => {
  it('answers a tampered payload or MAC, or a malformed token, with one 404 page that never says which', async () => {
    const id = await report();
    const link = token(id);

    const answers = [
      await open(tamper(link, 1)),
      await press(tamper(link, 1)),
      await press(tamper(link, 2)),
      await press(tamper(token(id, { form: 'short' }), 2)),
      await press(token(id, { key: Buffer.alloc(32, 9) })),
      await press('not-a-token'),
      await press(`${link}x`),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect(new Set(answers.map(html)).size).toBe(1);
    expect(heading(answers[0] as ApiAnswer)).toBe('Not a valid link');
    expect(await incident(id)).toMatchObject({ status: 'triggered' });
    expect((await timeline(id)).map((entry) => entry.kind)).toEqual(['opened']);
  });

  it('answers an expired link with 410', async () => {
    const id = await report();
    const expired = token(id, { expiresAt: new Date(Date.now() - 1000).toISOString() });

    const page = await open(expired);
    const answer = await press(expired);

    expect([page.status, answer.status]).toEqual([410, 410]);
    expect(heading(answer)).toBe('This link has expired');
    expect(await incident(id)).toMatchObject({ status: 'triggered' });
  });

  it('answers 404 for an incident that does not exist', async () => {
    const link = token('INC-20261127-9999');

    const page = await open(link);
    const answer = await press(link);

    expect([page.status, answer.status]).toEqual([404, 404]);
    expect(heading(answer)).toBe('Incident not found');
    expect(html(answer)).toContain('Incident INC-20261127-9999 does not exist.');
  });

  it('does not read the secret again for every bad link (at most once a minute)', async () => {
    const id = await report();
    await open(token(id));
    const reads = api.secrets.commandCalls(GetSecretValueCommand).length;

    for (let i = 0; i < 5; i++) await press(token(id, { key: Buffer.alloc(32, i + 1) }));

    expect(reads).toBe(2);
    expect(api.secrets.commandCalls(GetSecretValueCommand)).toHaveLength(reads);
  });

  it('answers a failure as a page that says it is safe to retry', async () => {
    const id = await report();
    api.secrets.reset();
    api.secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const answer = await open(token(id));

    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(heading(answer)).toBe('Something went wrong');
    expect(html(answer)).toMatch(/The request failed; it is safe to retry \(request req-\d+\)\./);
  });
});

describe('the deployed handler', () => {
  it('stops at cold start, naming ACK_KEY_SECRET_ARN, when it is missing', async () => {
    vi.stubEnv('ACK_KEY_SECRET_ARN', undefined);
    vi.resetModules();

    const load = import('../../lambdas/api/handler');

    await expect(load).rejects.toThrow(
      'api configuration is invalid: ACK_KEY_SECRET_ARN: must be the ARN of the acknowledgement-link key secret',
    );
  });
});
