import { type AckLinkKey, signAckLink } from '#core/ack-links';
import type { AckLinks } from '#core/templates';
import type { AckLinker } from './notifier';

/** How long a page's acknowledgement link works: a day covers any escalation chain and its repeats. */
export const ACK_LINK_HOURS = 24;

/**
 * Signs each page's links with the current key: `<base>/ack/<token>`, the full token for email and the
 * short one for SMS, both for that incident and person, expiring ACK_LINK_HOURS after the page.
 */
export class SignedAckLinks implements AckLinker {
  constructor(
    private readonly keys: { keys(): Promise<{ current: AckLinkKey }> },
    /** Where the API is served; a function when it is known only once a local server listens. */
    private readonly baseUrl: string | (() => string),
    private readonly clock: () => Date,
  ) {}

  async links(incidentId: string, personId: string): Promise<AckLinks> {
    const { current } = await this.keys.keys();
    const expiresAt = new Date(this.clock().getTime() + ACK_LINK_HOURS * 3_600_000).toISOString();
    const claims = { incidentId, personId, expiresAt };
    const base = (typeof this.baseUrl === 'function' ? this.baseUrl() : this.baseUrl).replace(/\/+$/, '');
    return {
      full: `${base}/ack/${signAckLink(claims, current, 'full')}`,
      short: `${base}/ack/${signAckLink(claims, current, 'short')}`,
    };
  }
}
