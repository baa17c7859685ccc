import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EscalationLevel } from '#core/escalation';
import { EscalationTarget, formatEscalationTarget, readEscalationTarget } from '#core/targets';

const problem = (text: string) => EscalationTarget.safeParse(text).error?.issues[0]?.message;

describe('escalation targets', () => {
  it('reads a schedule, a person and a topic', () => {
    expect(EscalationTarget.parse('schedule:payments-primary')).toEqual({
      kind: 'schedule',
      id: 'payments-primary',
    });
    expect(EscalationTarget.parse('person:alice')).toEqual({ kind: 'person', id: 'alice' });
    expect(EscalationTarget.parse('Orders_Primary-1')).toEqual({ kind: 'topic', name: 'Orders_Primary-1' });
  });

  it('says what is wrong: a bad id, an unknown kind, a name no topic can have', () => {
    expect(problem('schedule:')).toBe(
      'schedule:<id>: the schedule id must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
    expect(problem('person:Alice')).toBe(
      'person:<id>: the person id must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
    expect(problem('team:payments')).toBe(
      '"team:" is not a kind of target; a target must be schedule:<id>, person:<id> or a topic name (1-64 letters, digits, "-" or "_")',
    );
    expect(problem('orders primary')).toBe(
      'must be schedule:<id>, person:<id> or a topic name (1-64 letters, digits, "-" or "_")',
    );
    expect(problem('x'.repeat(65))).toMatch(/^must be schedule:<id>/);
  });

  it('formats a target back to the text that reads as it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(?:schedule:|person:)?[a-z0-9][a-z0-9._-]{0,20}$/), (text) => {
        const target = readEscalationTarget(text);
        if ('problem' in target) return;
        expect(formatEscalationTarget(target)).toBe(text);
      }),
    );
  });

  it('accepts as a topic exactly the names escalation levels accept today', () => {
    const level = (target: string) => ({ name: 'l', delayMinutes: 0, targets: [target] });
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_\- .]{0,70}$/), (text) => {
        const today = EscalationLevel.safeParse(level(text)).success;
        const target = readEscalationTarget(text);
        expect(!('problem' in target) && target.kind === 'topic').toBe(today);
      }),
    );
  });
});
