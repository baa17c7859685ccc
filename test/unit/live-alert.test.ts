import { describe, expect, it } from 'vitest';
import { alertEntry } from '#core/alerts';
import { type Claim, liveAlertOfClaim } from '#core/dedup';

const ARN = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:checkout-5xx';

/** A claim as the index shows it: the alert fired at 09:00 and again at 09:05 on INC-20260314-0001. */
const CLAIM: Claim = {
  dedupKey: ARN,
  incidentId: 'INC-20260314-0001',
  open: true,
  watermark: '2026-03-14T09:05:00.000Z',
  lastEventId: 'evt-2',
  lastAction: 'trigger',
  state: 'firing',
  alertId: 'abcdefghijkl',
  autoResolve: true,
  firstSeen: '2026-03-14T09:00:00.000Z',
  lastSeen: '2026-03-14T09:05:00.000Z',
  fired: 2,
  title: 'checkout-5xx is in ALARM',
  summary: 'Threshold Crossed',
  priority: 'P2',
  source: { kind: 'cloudwatch', ref: ARN, name: 'checkout-5xx' },
  details: { metric: 'HTTPCode_Target_5XX_Count' },
};

describe('liveAlertOfClaim', () => {
  it('is the claim’s alert when the incident has no entry for it', () => {
    const alert = liveAlertOfClaim(CLAIM, undefined);

    expect(alert).toEqual({
      alertId: 'abcdefghijkl',
      dedupKey: ARN,
      incidentId: 'INC-20260314-0001',
      state: 'firing',
      autoResolve: true,
      firstSeenAt: '2026-03-14T09:00:00.000Z',
      lastSeenAt: '2026-03-14T09:05:00.000Z',
      firedCount: 2,
      source: { kind: 'cloudwatch', ref: ARN, name: 'checkout-5xx' },
      title: 'checkout-5xx is in ALARM',
      summary: 'Threshold Crossed',
      priority: 'P2',
      details: { metric: 'HTTPCode_Target_5XX_Count' },
    });
  });

  it('takes the state from a newer map entry (the index has not caught up)', () => {
    const entry = alertEntry('2026-03-14T09:07:00.000Z', 'resolved', false);

    const alert = liveAlertOfClaim(CLAIM, entry);

    expect(alert).toMatchObject({ state: 'resolved', autoResolve: false, firedCount: 2 });
  });

  it('takes the state from an entry of the same change, and keeps the claim’s when the entry is older', () => {
    const same = alertEntry('2026-03-14T09:05:00.000Z', 'firing', true);
    const older = alertEntry('2026-03-14T09:01:00.000Z', 'resolved', true);

    expect(liveAlertOfClaim({ ...CLAIM, state: 'resolved' }, same)?.state).toBe('firing');
    expect(liveAlertOfClaim(CLAIM, older)?.state).toBe('firing');
  });

  it('fills the state of a claim that has none from the map', () => {
    const { state: _state, ...stateless } = CLAIM;
    const entry = alertEntry('2026-03-14T09:06:00.000Z', 'resolved', true);

    expect(liveAlertOfClaim(stateless, entry)?.state).toBe('resolved');
    expect(liveAlertOfClaim(stateless, undefined)?.state).toBe('firing');
  });

  it('has no alert for a claim written before alerts were kept', () => {
    const { alertId: _alertId, ...legacy } = CLAIM;

    expect(liveAlertOfClaim(legacy, alertEntry('2026-03-14T09:06:00.000Z', 'firing', true))).toBeUndefined();
  });
});
