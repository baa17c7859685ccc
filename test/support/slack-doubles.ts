import { type SlackApi, SlackApiError, type SlackReply } from '#adapters/slack-api';
import { LocalSlack } from '../../local/local-slack';
import type { RecordedNotification } from '../../local/recording-sns';

/**
 * Local mode's Slack with faults on demand: a method named in `failing` throws the SlackApiError given
 * (a transport failure by default) until it is taken out. Every call is kept in `calls`, in order.
 */
export class FlakySlack implements SlackApi {
  readonly published: RecordedNotification[] = [];
  readonly local: LocalSlack;
  readonly calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  readonly failing = new Map<string, { error: SlackApiError; times: number }>();

  constructor(clock: () => Date) {
    this.local = new LocalSlack(this, clock);
  }

  /** Makes `method` fail `times` times (until healed by default), as Slack's rate limit does unless told. */
  fail(method: string, error = 'ratelimited', times = Number.POSITIVE_INFINITY): this {
    const refusal = new SlackApiError(error, `Slack refused ${method}: ${error} (test fault)`);
    this.failing.set(method, { error: refusal, times });
    return this;
  }

  heal(): this {
    this.failing.clear();
    return this;
  }

  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.calls.push({ method, body });
    const fault = this.failing.get(method);
    if (fault && fault.times > 0) {
      fault.times -= 1;
      throw fault.error;
    }
    return this.local.call(method, body);
  }

  respond(responseUrl: string, reply: SlackReply): Promise<void> {
    return this.local.respond(responseUrl, reply);
  }

  /** How often `method` was called. */
  count(method: string): number {
    return this.calls.filter((call) => call.method === method).length;
  }
}
