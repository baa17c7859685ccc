import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BreakerState, RunbookRun, type RunState } from '#core/runbook-run';
import { conditional, type DocumentSender } from './store-keys';
import { UpdateExpression } from './update-expression';

/** Where runs, the per-incident remediation lock and the per-resource circuit breakers live in the table. */
export const runKeys = {
  run: (incidentId: string, runId: string) => ({ PK: `INC#${incidentId}`, SK: `RUN#${runId}` }),
  /** Held by the one remediation in flight on an incident. */
  remediationLock: (incidentId: string) => ({ PK: `INC#${incidentId}`, SK: 'REMEDIATION' }),
  breaker: (resource: string) => ({ PK: `BREAKER#${resource}`, SK: 'BREAKER' }),
};

/** Fields a transition may set besides the state (undefined ones are left as they are). */
export type RunChanges = Partial<Omit<RunbookRun, 'incidentId' | 'runId' | 'state' | 'createdAt'>>;

function readRun(item: Record<string, unknown>): RunbookRun {
  const { PK: _pk, SK: _sk, approvalToken: _token, ...run } = item;
  return RunbookRun.parse(run);
}

/**
 * Runbook runs of incidents, each one item next to its incident's timeline (`RUN#<runId>`). Every change is
 * one conditional write: a run is created once (put-if-absent), moves only from the states a step expects,
 * and the approval token is read and cleared by the decision that uses it.
 */
export class RunbookRuns {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /** Creates the run; false when a run with its id exists already (a retried or redelivered start). */
  async create(run: RunbookRun): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKeys.run(run.incidentId, run.runId), ...RunbookRun.parse(run) },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  async get(incidentId: string, runId: string): Promise<RunbookRun | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKeys.run(incidentId, runId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? readRun(result.Item) : undefined;
  }

  /** Every run of an incident, oldest first. */
  async list(incidentId: string): Promise<RunbookRun[]> {
    const runs: RunbookRun[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :run)',
          ExpressionAttributeValues: { ':pk': `INC#${incidentId}`, ':run': 'RUN#' },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) runs.push(readRun(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
  }

  /**
   * Moves a run from one of `from` to `to`, setting `changes`, in one conditional write. Undefined when the
   * run is not in one of `from` (another step or person moved it first): the caller reads it and decides.
   */
  async transition(
    incidentId: string,
    runId: string,
    from: readonly RunState[],
    to: RunState,
    changes: RunChanges,
    now: Date,
  ): Promise<RunbookRun | undefined> {
    const update = new UpdateExpression()
      .set({ ...changes, state: to, updatedAt: now.toISOString() })
      .when(
        (u) => `attribute_exists(PK) AND ${u.name('state')} IN (${from.map((s) => u.value(s)).join(', ')})`,
      );
    const { item } = await this.updateRun(incidentId, runId, update);
    return item ? readRun(item) : undefined;
  }

  /** Records fields of a run in a state it stays in (steps and outputs while it runs). */
  async record(
    incidentId: string,
    runId: string,
    state: RunState,
    changes: RunChanges,
    now: Date,
  ): Promise<RunbookRun | undefined> {
    return this.transition(incidentId, runId, [state], state, changes, now);
  }

  /**
   * Records what became of the run's reply to its response_url, once: sets `repliedAt` and the outcome and
   * removes the URL, only while no reply is recorded. False when one was (a retried step, after the first
   * attempt replied). `updatedAt` is left alone: timeline entries take their times from it.
   */
  async settleReply(
    incidentId: string,
    runId: string,
    reply: { outcome: 'posted' | 'expired' | 'failed'; failure?: string | undefined },
    now: Date,
  ): Promise<boolean> {
    const update = new UpdateExpression()
      .set({ repliedAt: now.toISOString(), replyOutcome: reply.outcome, replyFailure: reply.failure })
      .remove('replyTo')
      .when((u) => `attribute_exists(PK) AND attribute_not_exists(${u.name('repliedAt')})`);
    return (await this.updateRun(incidentId, runId, update)).written;
  }

  /**
   * Parks the approval wait's task token on a run that awaits approval. Undefined when the run was decided
   * before the token could be parked: the caller reads the decision and goes on without waiting.
   */
  async parkApprovalToken(incidentId: string, runId: string, token: string): Promise<boolean> {
    const update = new UpdateExpression()
      .set({ approvalToken: token })
      .when((u) => `${u.name('state')} = ${u.value('awaiting-approval')}`);
    return (await this.updateRun(incidentId, runId, update)).written;
  }

  /**
   * A person's decision on a run awaiting approval, with the parked token to wake the run with (none when
   * the run has not parked it yet; it then reads the decision itself). Undefined when the run does not await
   * approval.
   */
  async decide(
    incidentId: string,
    runId: string,
    decision: { approved: boolean; by: string; reason?: string | undefined },
    now: Date,
  ): Promise<{ run: RunbookRun; token?: string } | undefined> {
    const update = new UpdateExpression()
      .set({
        state: decision.approved ? 'approved' : 'rejected',
        [decision.approved ? 'approvedBy' : 'rejectedBy']: decision.by,
        decisionReason: decision.reason,
        decidedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        ...(decision.approved ? {} : { endedAt: now.toISOString() }),
      })
      .when((u) => `${u.name('state')} = ${u.value('awaiting-approval')}`);
    const { item } = await this.updateRun(incidentId, runId, update);
    if (!item) return undefined;
    return {
      run: readRun(item),
      ...(typeof item.approvalToken === 'string' ? { token: item.approvalToken } : {}),
    };
  }

  /**
   * The approval token a run parked, if any. A repeated decision sends its signal again with it, so a
   * decision whose signal was lost (the caller stopped between the two) is finished by the retry.
   */
  async approvalTokenOf(incidentId: string, runId: string): Promise<string | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKeys.run(incidentId, runId),
        ProjectionExpression: 'approvalToken',
        ConsistentRead: true,
      }),
    );
    return typeof result.Item?.approvalToken === 'string' ? result.Item.approvalToken : undefined;
  }

  /**
   * Takes the incident's remediation lock for a run: true when this run holds it (now or already), false when
   * another remediation is in flight.
   */
  async lockRemediation(incidentId: string, runId: string, now: Date): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKeys.remediationLock(incidentId), runId, lockedAt: now.toISOString() },
          ConditionExpression: 'attribute_not_exists(PK) OR runId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      ),
    );
    return written !== undefined;
  }

  /** The run holding the incident's remediation lock, if any. */
  async remediationInFlight(incidentId: string): Promise<string | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKeys.remediationLock(incidentId),
        ConsistentRead: true,
      }),
    );
    return typeof result.Item?.runId === 'string' ? result.Item.runId : undefined;
  }

  /** Releases the lock if this run holds it (a repeated release is a no-op). */
  async unlockRemediation(incidentId: string, runId: string): Promise<void> {
    await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: runKeys.remediationLock(incidentId),
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      ),
    );
  }

  async getBreaker(resource: string): Promise<BreakerState | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: runKeys.breaker(resource), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const { PK: _pk, SK: _sk, ...state } = result.Item;
    return BreakerState.parse(state);
  }

  /**
   * Writes the breaker if nobody changed it since `expected` was read (optimistic locking on `version`):
   * false when someone did, and the caller decides again on a fresh read.
   */
  async putBreaker(
    expected: BreakerState | undefined,
    next: Omit<BreakerState, 'version'>,
  ): Promise<boolean> {
    const version = (expected?.version ?? 0) + 1;
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKeys.breaker(next.resource), ...next, version },
          ConditionExpression: expected ? 'version = :version' : 'attribute_not_exists(PK)',
          ...(expected ? { ExpressionAttributeValues: { ':version': expected.version } } : {}),
        }),
      ),
    );
    return written !== undefined;
  }

  /**
   * One conditional update of a run, answering its item as written: undefined when the condition did not
   * hold (`written` tells that apart from an answer without attributes).
   */
  private async updateRun(
    incidentId: string,
    runId: string,
    update: UpdateExpression,
  ): Promise<{ written: boolean; item?: Record<string, unknown> }> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKeys.run(incidentId, runId),
          ...update.build(),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return { written: result !== undefined, ...(result?.Attributes ? { item: result.Attributes } : {}) };
  }
}
