import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentSender } from '#adapters/incident-store';
import { hashKey, IntegrationKeys } from '#adapters/integration-keys';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { countingSender } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let keys: IntegrationKeys;
const NOW = new Date('2026-03-14T09:00:00.000Z');
const LATER = new Date('2026-03-14T10:00:00.000Z');
const KEY_A = 'a'.repeat(32);
const KEY_B = 'b'.repeat(32);

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('intkeys');
  keys = new IntegrationKeys(server.doc, table);
});

/** Hands out the given keys in order, then fails the test loudly. */
function keySequence(...values: string[]): () => string {
  const queue = [...values];
  return () => {
    const next = queue.shift();
    if (next === undefined) throw new Error('key generator ran out');
    return next;
  };
}

async function everyItem() {
  const result = await server.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return result.Items ?? [];
}

describe('create and findByKey', () => {
  it('stores the key hashed: the key works, and no item holds it', async () => {
    const { integration, key } = await keys.create(
      { name: 'prometheus-prod', kind: 'alertmanager', createdBy: 'alice' },
      NOW,
      keySequence(KEY_A),
    );

    expect(key).toBe(KEY_A);
    expect(integration).toEqual({
      integrationId: `int-${hashKey(KEY_A).slice(0, 12)}`,
      name: 'prometheus-prod',
      kind: 'alertmanager',
      createdAt: NOW.toISOString(),
      createdBy: 'alice',
    });
    expect(await keys.findByKey(KEY_A)).toEqual(integration);
    const items = await everyItem();
    expect(items.map((item) => `${item.PK}|${item.SK}`).sort()).toEqual([
      `INTEGRATIONS|${integration.integrationId}`,
      `INTKEY#${hashKey(KEY_A)}|KEY`,
    ]);
    expect(JSON.stringify(items)).not.toContain(KEY_A);
  });

  it('finds nothing for an unknown key, with the same single read as for a known one', async () => {
    await keys.create({ name: 'grafana', kind: 'pagerduty', createdBy: 'alice' }, NOW, keySequence(KEY_A));
    const counting = countingSender(server.doc);
    const counted = new IntegrationKeys(counting, table);

    const known = await counted.findByKey(KEY_A);
    const unknown = await counted.findByKey(KEY_B);
    const odd = await counted.findByKey('');

    expect(known?.name).toBe('grafana');
    expect(unknown).toBeUndefined();
    expect(odd).toBeUndefined();
    expect(Object.fromEntries(counting.counts)).toEqual({ GetCommand: 3 });
  });

  it('refuses a generator that does not give 32 characters', async () => {
    const create = keys.create(
      { name: 'x', kind: 'pagerduty', createdBy: 'alice' },
      NOW,
      keySequence('short'),
    );

    await expect(create).rejects.toThrow(/32 characters/);
    expect(await everyItem()).toEqual([]);
  });

  it('draws another key when the generated one is taken', async () => {
    const first = await keys.create(
      { name: 'one', kind: 'pagerduty', createdBy: 'alice' },
      NOW,
      keySequence(KEY_A),
    );

    const second = await keys.create(
      { name: 'two', kind: 'pagerduty', createdBy: 'alice' },
      NOW,
      keySequence(KEY_A, KEY_B),
    );

    expect(second.key).toBe(KEY_B);
    expect((await keys.findByKey(KEY_A))?.integrationId).toBe(first.integration.integrationId);
    expect((await keys.findByKey(KEY_B))?.name).toBe('two');
  });
});

describe('list', () => {
  it('lists every integration oldest first, without keys or hashes', async () => {
    await keys.create({ name: 'first', kind: 'pagerduty', createdBy: 'alice' }, NOW, keySequence(KEY_A));
    await keys.create({ name: 'second', kind: 'alertmanager', createdBy: 'bob' }, LATER, keySequence(KEY_B));

    const listed = await keys.list();

    expect(listed.map((i) => i.name)).toEqual(['first', 'second']);
    for (const item of listed) {
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'createdBy', 'integrationId', 'kind', 'name']);
    }
    const text = JSON.stringify(listed);
    for (const secret of [KEY_A, KEY_B, hashKey(KEY_A), hashKey(KEY_B)]) expect(text).not.toContain(secret);
  });
});

describe('revoke', () => {
  it('stops the key working; revoking again keeps the first revocation', async () => {
    const { integration } = await keys.create(
      { name: 'grafana', kind: 'pagerduty', createdBy: 'alice' },
      NOW,
      keySequence(KEY_A),
    );

    const revoked = await keys.revoke(integration.integrationId, 'bob', LATER);
    const again = await keys.revoke(integration.integrationId, 'carol', new Date('2026-03-15T00:00:00.000Z'));

    expect(revoked).toEqual({ ...integration, revokedAt: LATER.toISOString(), revokedBy: 'bob' });
    expect(again).toEqual(revoked);
    expect(await keys.findByKey(KEY_A)).toBeUndefined();
    expect(await keys.list()).toEqual([revoked]);
  });

  it('answers undefined for an unknown integration and writes nothing', async () => {
    const revoked = await keys.revoke('int-000000000000', 'bob', LATER);

    expect(revoked).toBeUndefined();
    expect(await everyItem()).toEqual([]);
  });

  it('a revocation landing between the two writes of a create keeps that key from ever working', async () => {
    const racing = new IntegrationKeys(
      revokingBeforeSecondPut(server.doc, () => keys),
      table,
    );

    const create = racing.create(
      { name: 'raced', kind: 'pagerduty', createdBy: 'alice' },
      NOW,
      keySequence(KEY_A),
    );

    await expect(create).rejects.toThrow(/revoked while it was being created/);
    expect(await keys.findByKey(KEY_A)).toBeUndefined();
    expect((await keys.list())[0]).toMatchObject({ name: 'raced', revokedBy: 'bob' });
  });
});

/** Forwards to `doc`, but revokes the integration just listed before the create's second Put goes out. */
function revokingBeforeSecondPut(doc: DocumentSender, target: () => IntegrationKeys): DocumentSender {
  let puts = 0;
  const send = async (command: {
    constructor: { name: string };
    input: { Item?: Record<string, unknown> };
  }) => {
    if (command.constructor.name === 'PutCommand') {
      puts += 1;
      const id = command.input.Item?.integrationId;
      if (puts === 2 && typeof id === 'string') await target().revoke(id, 'bob', LATER);
    }
    return (doc.send as (c: unknown) => Promise<unknown>)(command);
  };
  return { send } as unknown as DocumentSender;
}
