import { createHash } from 'node:crypto';
import { BatchGetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Priority, Status } from '#core/model';
import type { PublicUpdate, StatusIncident, StatusPageConfig } from '#core/status-page';
import { conditional, type DocumentSender, INDEX_PARTITIONS, keys } from './store-keys';

/** A public update as stored: what the page may show, plus what places it (never shown). */
export interface StoredPublicUpdate extends PublicUpdate {
  incidentId: string;
  /** The incident's `service` when the update was posted: which page service it belongs to. */
  service: string;
  updateId: string;
}

/** The id of the public update a request posts: the same for every retry of the request. */
export function publicUpdateId(requestKey: string): string {
  return createHash('sha256').update(requestKey).digest('hex').slice(0, 24);
}

/** BatchGetItem reads at most this many keys per call. */
const BATCH = 100;
/** Unprocessed keys (throttling) are asked for again this many times before the page fails. */
const BATCH_ATTEMPTS = 5;

type Item = Record<string, unknown>;

/**
 * The status page's items: the public updates (`keys.publicUpdate`, index `by-service` partition
 * `PUBLIC#UPDATES` → `<at>#<incident>#<update>`) and what the page reads of incidents. Every read is a Query
 * of an index or a BatchGet of named incidents with a projection: no Scan, and no incident text is read at
 * all, so none can reach the page.
 */
export class StatusSource {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /** Stores a public update once: a retry of the same request finds it there (same time, same id). */
  async recordPublicUpdate(update: StoredPublicUpdate): Promise<boolean> {
    const { incidentId, updateId, at } = update;
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.publicUpdate(incidentId, at, updateId),
            gsi2pk: INDEX_PARTITIONS.publicUpdates,
            gsi2sk: `${at}#${incidentId}#${updateId}`,
            incidentId,
            updateId,
            service: update.service,
            at,
            phase: update.phase,
            message: update.message,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  /**
   * What the page is built from: the open incidents of the configured services, and the public updates of
   * those and of incidents resolved within `recentHours`. Updates are read from the later of the oldest open
   * incident's creation and `recentHours` ago, so an incident resolved recently shows its updates of the
   * last `recentHours` (older ones only while it was open).
   */
  async statusIncidents(config: StatusPageConfig, now: Date): Promise<StatusIncident[]> {
    const services = new Set(config.services.flatMap((service) => service.services));
    const open = (await this.openIncidents()).filter((incident) => services.has(incident.service));
    const recent = new Date(now.getTime() - config.recentHours * 3_600_000).toISOString();
    // ISO 8601 times sort as text: the earliest of them.
    const cutoff = [recent, ...open.map((incident) => incident.createdAt)].sort()[0] ?? recent;
    const updates = (await this.publicUpdatesSince(cutoff)).filter((update) => services.has(update.service));

    const openIds = new Set(open.map((incident) => incident.id));
    const others = [...new Set(updates.map((update) => update.incidentId))].filter((id) => !openIds.has(id));
    const closed = await this.incidentStates(others);
    const updatesOf = (id: string) =>
      updates
        .filter((update) => update.incidentId === id)
        .map(({ at, phase, message }) => ({ at, phase, message }));
    return [
      ...open.map(({ service, priority, status, id }) => ({
        service,
        priority,
        status,
        publicUpdates: updatesOf(id),
      })),
      ...closed.map(({ service, priority, status, resolvedAt, id }) => ({
        service,
        priority,
        status,
        ...(resolvedAt ? { resolvedAt } : {}),
        publicUpdates: updatesOf(id),
      })),
    ];
  }

  /** The open incidents (sparse index `open-by-priority`): only the attributes the page needs. */
  private async openIncidents() {
    const items = await this.queryAll({
      IndexName: 'open-by-priority',
      KeyConditionExpression: 'gsi1pk = :open',
      ExpressionAttributeValues: { ':open': 'OPEN' },
      ProjectionExpression: '#service, #priority, #status, #id, #createdAt',
      ExpressionAttributeNames: {
        '#service': 'service',
        '#priority': 'priority',
        '#status': 'status',
        '#id': 'id',
        '#createdAt': 'createdAt',
      },
    });
    return items.map((item) => ({ ...incidentState(item), createdAt: String(item.createdAt) }));
  }

  /** The public updates posted at or after `cutoff` (ISO 8601), oldest first. */
  private async publicUpdatesSince(cutoff: string): Promise<StoredPublicUpdate[]> {
    const items = await this.queryAll({
      IndexName: 'by-service',
      KeyConditionExpression: 'gsi2pk = :public AND gsi2sk >= :cutoff',
      ExpressionAttributeValues: { ':public': INDEX_PARTITIONS.publicUpdates, ':cutoff': cutoff },
      ProjectionExpression: 'incidentId, updateId, #service, #at, phase, message',
      ExpressionAttributeNames: { '#service': 'service', '#at': 'at' },
    });
    return items.map((item) => ({
      incidentId: String(item.incidentId),
      updateId: String(item.updateId),
      service: String(item.service),
      at: String(item.at),
      phase: String(item.phase),
      message: String(item.message),
    }));
  }

  /** Status, priority, service and resolution time of incidents by id (those that exist). */
  private async incidentStates(ids: readonly string[]) {
    const found: Item[] = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      let wanted: Item[] = ids.slice(start, start + BATCH).map((id) => keys.incident(id));
      for (let attempt = 0; wanted.length > 0; attempt++) {
        if (attempt === BATCH_ATTEMPTS) throw new Error(`incidents not read after ${attempt} attempts`);
        const result = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: wanted,
                ProjectionExpression: '#service, #priority, #status, #id, resolvedAt',
                ExpressionAttributeNames: {
                  '#service': 'service',
                  '#priority': 'priority',
                  '#status': 'status',
                  '#id': 'id',
                },
              },
            },
          }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        wanted = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found.map((item) => ({
      ...incidentState(item),
      ...(typeof item.resolvedAt === 'string' ? { resolvedAt: item.resolvedAt } : {}),
    }));
  }

  private async queryAll(
    query: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ ...query, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

function incidentState(item: Item) {
  return {
    id: String(item.id),
    service: String(item.service),
    priority: Priority.parse(item.priority),
    status: Status.parse(item.status),
  };
}
