import type { IncidentQueries } from '#adapters/incident-queries';
import type { PeopleStore } from '#adapters/people-store';
import { manualSignal } from '#core/manual';
import { type Incident, Priority } from '#core/model';
import type { SlackCommand, SlackCommandPayload } from '#core/slack-commands';
import { SLACK_USAGE } from '#core/slack-commands';
import {
  acknowledgedReply,
  createdReply,
  LIST_LIMIT,
  listReply,
  refusalReply,
  resolvedReply,
  type SlackActor,
  type SlackCommandReply,
  type SlackUser,
  slackActor,
  statusReply,
  updateReply,
} from '#core/slack-replies';
import { type ApplySignalDeps, applySignal } from '../ingest/apply-signal';
import type { IncidentCommands } from './commands';
import { ApiError, notFound } from './errors';
import type { RunbookCommands } from './runbook-commands';

const PRIORITIES = Priority.options;

/** A report made in Slack names no service unless the person gives one (`service=`). */
export const SLACK_DEFAULT_SERVICE = 'unspecified';

export interface SlackCommandDeps {
  commands: IncidentCommands;
  queries: Pick<IncidentQueries, 'getIncident' | 'listIncidents'>;
  /** Who a Slack user is: the person whose chat contact is their user id or handle. */
  people: Pick<PeopleStore, 'list'>;
  /** `/incident create` reports an incident as `POST /incidents` does. */
  ingest: ApplySignalDeps;
  /** `/incident diag` runs a bound diagnostic runbook; without runbooks it answers that none is bound. */
  runbooks?: RunbookCommands;
  /** The team a channel belongs to (the channel its pages go to): a report made there is that team's. */
  teamOfChannel: (channelId: string) => string | undefined;
  incidentLink: (id: string) => string;
  clock: () => Date;
}

/** One command as Slack sent it, verified: the request key makes a redelivered command a no-op. */
export interface SlackCommandRequest {
  payload: SlackCommandPayload;
  command: SlackCommand;
  /** Stable per command: Slack's trigger id, else the request's signature. */
  key: string;
  receivedAt: string;
}

/**
 * Runs `/incident` commands against the same commands and store as the API's routes, as the person the
 * Slack user is (or the Slack user by id and name), and answers what Slack shows. Refusals (unknown
 * incident, a status that forbids the command, bad input) are answers for the person who typed the command,
 * never errors: Slack shows an error as "failed with the error …", which says nothing. Every command does a
 * few DynamoDB requests and at most one StartExecution, well inside Slack's 3 seconds; what takes longer
 * (a diagnostic runbook) answers at once and posts its result through the command's response_url later.
 */
export class SlackCommandRunner {
  constructor(private readonly deps: SlackCommandDeps) {}

  async run(request: SlackCommandRequest): Promise<SlackCommandReply> {
    const user: SlackUser = { id: request.payload.user_id, name: request.payload.user_name };
    try {
      return await this.dispatch(request, user);
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) return refusalReply(error.message);
      throw error;
    }
  }

  private async dispatch(request: SlackCommandRequest, user: SlackUser): Promise<SlackCommandReply> {
    const { command } = request;
    const link = this.deps.incidentLink;
    switch (command.name) {
      case 'help':
        return refusalReply(`Run incidents from Slack:\n${SLACK_USAGE}`);
      case 'list':
        return this.list();
      case 'status':
        return statusReply(
          await this.incident(command.incidentId),
          link(command.incidentId),
          this.deps.clock(),
        );
      case 'create':
        return this.create(request, command, await this.actor(user));
      case 'ack': {
        const { actor } = await this.actor(user);
        const { incident, acknowledgedNow } = await this.deps.commands.acknowledgeOnce(
          command.incidentId,
          actor,
          { via: 'slack', slackUser: user },
        );
        return acknowledgedReply(incident, user, acknowledgedNow, link(incident.id));
      }
      case 'resolve': {
        const { actor } = await this.actor(user);
        const incident = await this.deps.commands.resolve(command.incidentId, actor, command.resolution);
        return resolvedReply(incident, user, link(incident.id));
      }
      case 'update': {
        const { actor } = await this.actor(user);
        const incident = await this.incident(command.incidentId);
        await this.deps.commands.noteOn(incident, actor, command.message, `slack:${request.key}`);
        return updateReply(incident, user, command.message, link(incident.id));
      }
      case 'diag':
        return this.diagnose(request, command, user);
    }
  }

  private async create(
    request: SlackCommandRequest,
    command: Extract<SlackCommand, { name: 'create' }>,
    who: SlackActor,
  ): Promise<SlackCommandReply> {
    const team = this.deps.teamOfChannel(request.payload.channel_id);
    const signal = manualSignal(
      {
        title: command.title,
        service: command.service ?? SLACK_DEFAULT_SERVICE,
        // Someone typing /incident create in chat means it: high unless they say otherwise.
        impact: command.impact ?? 'high',
        urgency: command.urgency ?? 'high',
        ...(team ? { team } : {}),
        reporter: who.actor,
      },
      { requestKey: `slack:${request.key}`, actor: who.actor, now: request.receivedAt },
    );
    const result = await applySignal(this.deps.ingest, signal);
    const id = 'incidentId' in result ? result.incidentId : undefined;
    if (!id) throw new Error(`reporting an incident from Slack ended ${result.outcome}`);
    const incident = await this.incident(id);
    return createdReply(incident, result.outcome === 'joined', this.deps.incidentLink(id));
  }

  private async diagnose(
    request: SlackCommandRequest,
    command: Extract<SlackCommand, { name: 'diag' }>,
    user: SlackUser,
  ): Promise<SlackCommandReply> {
    const incident = await this.incident(command.incidentId);
    const runbooks = this.deps.runbooks;
    const bound = runbooks?.bound() ?? [];
    const diagnostics = bound.filter((binding) => binding.kind === 'diagnostic');
    if (!runbooks || diagnostics.length === 0)
      return refusalReply(
        `No diagnostic runbook is bound, so there is nothing to run on ${incident.id}. ` +
          'Bind one in `firebreak.runbooks` (see the README, "Runbooks").',
      );
    const name = command.runbook ?? (diagnostics.length === 1 ? diagnostics[0]?.name : undefined);
    if (!name)
      return refusalReply(
        `Name the runbook to run on ${incident.id}: ${diagnostics.map((binding) => `\`${binding.name}\``).join(', ')}.`,
      );
    // A remediation changes things: it is asked for where its approval and guards are shown, not here.
    if (
      !diagnostics.some((binding) => binding.name === name) &&
      bound.some((binding) => binding.name === name)
    )
      return refusalReply(
        `\`${name}\` is a remediation, not a diagnostic: run it from the incident page or the API.`,
      );
    const { actor } = await this.actor(user);
    const run = await runbooks.request(incident.id, name, {
      actor,
      key: `slack:${request.key}`,
      at: request.receivedAt,
      replyTo: request.payload.response_url,
    });
    const target = `<${this.deps.incidentLink(incident.id)}|*${incident.id}*>`;
    if (run.state === 'skipped' || run.state === 'refused')
      return refusalReply(`\`${name}\` did not run on ${incident.id}: ${run.reason ?? run.state}.`);
    return {
      response_type: 'in_channel',
      text:
        `<@${user.id}> started \`${name}\` on ${target} ` +
        `(run ${run.runId}, ${run.state}). The result will be posted here when it ends.`,
    };
  }

  /**
   * The most urgent first: one query per priority, P1 down, until LIST_LIMIT are found, so a long tail of P4s
   * never hides a P1. Whether there are more is known without reading them.
   */
  private async list(): Promise<SlackCommandReply> {
    const found: Incident[] = [];
    let more = false;
    for (const priority of PRIORITIES) {
      if (found.length === LIST_LIMIT) {
        more ||= (await this.open(priority, 1)).items.length > 0;
        if (more) break;
        continue;
      }
      const page = await this.open(priority, LIST_LIMIT - found.length);
      found.push(...page.items);
      more ||= page.nextCursor !== undefined;
    }
    return listReply(found, this.deps.incidentLink, this.deps.clock(), more);
  }

  private open(priority: Priority, limit: number) {
    return this.deps.queries.listIncidents({ status: ['triggered', 'acknowledged'], priority }, { limit });
  }

  private async actor(user: SlackUser): Promise<SlackActor> {
    return slackActor(await this.deps.people.list(), user);
  }

  private async incident(id: string): Promise<Incident> {
    const incident = await this.deps.queries.getIncident(id);
    if (!incident) throw notFound(id);
    return incident;
  }
}
