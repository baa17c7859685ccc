import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  type ContactWithState,
  initialContactState,
  MAX_CONTACTS,
  PersonBody,
  PersonId,
  planContactChanges,
} from '#core/people';

const alice = () => ({
  name: 'Alice Example',
  timeZone: 'Europe/Berlin',
  contacts: [
    { type: 'email', address: 'alice@example.com' },
    { type: 'sms', address: '+4915112345678' },
    { type: 'chat', address: '@alice' },
  ],
});

/** Each problem as `path: message`, the way the API names the field. */
function problems(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('a person', () => {
  it('is accepted with a name, a zone and contact methods, trimmed', () => {
    // Prepare
    const body = { ...alice(), contacts: [{ type: 'email', address: ' Alice@Example.com ' }] };

    // Act
    const person = PersonBody.parse(body);

    // Assess
    expect(person).toEqual({
      name: 'Alice Example',
      timeZone: 'Europe/Berlin',
      contacts: [{ type: 'email', address: 'Alice@Example.com' }],
    });
  });

  it('names each bad contact address by its field and says what it must be', () => {
    const body = {
      ...alice(),
      contacts: [
        { type: 'email', address: 'alice(at)example.com' },
        { type: 'sms', address: '+49 151 1234 5678' },
        { type: 'chat', address: '   ' },
        { type: 'pager', address: '12345' },
      ],
    };

    expect(problems(PersonBody, body)).toEqual([
      'contacts.0.address: must be an email address, like alice@example.com',
      'contacts.1.address: must be a phone number in E.164 form, like +4915112345678 (no spaces)',
      'contacts.2.address: must not be empty: give the chat handle or user id',
      'contacts.3.type: must have a type of email, sms or chat',
    ]);
  });

  it('refuses an unknown time zone, a repeated contact, no contacts and too many', () => {
    expect(problems(PersonBody, { ...alice(), timeZone: 'Berlin' })).toEqual([
      'timeZone: must be an IANA time zone, like Europe/Berlin or America/New_York',
    ]);
    const repeated = [
      { type: 'email', address: 'alice@example.com' },
      { type: 'email', address: 'ALICE@example.com' },
    ];
    expect(problems(PersonBody, { ...alice(), contacts: repeated })).toEqual([
      'contacts.1.address: repeats contacts[0]; each contact method is listed once',
    ]);
    expect(problems(PersonBody, { ...alice(), contacts: [] })).toEqual([
      'contacts: must have at least one contact method: a page has to reach the person',
    ]);
    const many = Array.from({ length: MAX_CONTACTS + 1 }, (_, index) => ({
      type: 'chat',
      address: `@alice${index}`,
    }));
    expect(problems(PersonBody, { ...alice(), contacts: many })).toEqual([
      'contacts: must have at most 10 contact methods',
    ]);
  });

  it('has an id that is short, lowercase and safe in a URL', () => {
    for (const good of ['alice', 'a', 'alice.example', 'bob_2', 'ops-lead', '0x']) {
      expect(PersonId.safeParse(good).success).toBe(true);
    }
    for (const bad of ['Alice', '', '-alice', '.alice', 'alice smith', 'a/b', 'a'.repeat(65)]) {
      expect(problems(PersonId, bad)).toEqual([
        ': must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
      ]);
    }
  });
});

describe('contact method states', () => {
  it('start pending for email (SNS asks the person to confirm), confirmed otherwise', () => {
    expect(initialContactState({ type: 'email', address: 'a@example.com' })).toBe('pending-confirmation');
    expect(initialContactState({ type: 'sms', address: '+4915112345678' })).toBe('confirmed');
    expect(initialContactState({ type: 'chat', address: '@a' })).toBe('confirmed');
  });

  it('are kept for methods a PUT keeps, started for new ones, and listed for removal otherwise', () => {
    // Prepare
    const current: Array<ContactWithState & { subscription?: string }> = [
      { type: 'email', address: 'alice@example.com', state: 'confirmed', subscription: 'sub-1' },
      { type: 'sms', address: '+4915112345678', state: 'failed' },
    ];

    // Act
    const changes = planContactChanges(current, [
      { type: 'email', address: 'Alice@Example.com' },
      { type: 'email', address: 'alice@home.example' },
    ]);

    // Assess
    expect(changes).toEqual({
      kept: [{ type: 'email', address: 'Alice@Example.com', state: 'confirmed', subscription: 'sub-1' }],
      added: [{ type: 'email', address: 'alice@home.example', state: 'pending-confirmation' }],
      removed: [{ type: 'sms', address: '+4915112345678', state: 'failed' }],
    });
  });
});
