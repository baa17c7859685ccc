import * as z from 'zod';
import { personText, TEXT_LIMITS } from './limits';
import { TimeZone } from './wall-clock';

/**
 * A person's id, as `/people/{id}`, schedules, overrides, escalation targets (`person:<id>`) and incident
 * roles name them: short, lowercase and safe in a URL, a DynamoDB key and an SNS filter policy.
 */
export const PersonId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
  error: 'must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
});
export type PersonId = z.infer<typeof PersonId>;

export const ContactType = z.enum(['email', 'sms', 'chat'], { error: 'must be email, sms or chat' });
export type ContactType = z.infer<typeof ContactType>;

export const MAX_CONTACTS = 10;

const EmailAddress = z
  .string()
  .trim()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be an email address, like alice@example.com' }));

/** E.164: a plus, a country code and the number, no spaces (what SNS sends SMS to). */
const PhoneNumber = z.string().regex(/^\+[1-9]\d{1,14}$/, {
  error: 'must be a phone number in E.164 form, like +4915112345678 (no spaces)',
});

/** A chat handle or user id ("@alice", "U024BE7LH"), as the chat integration addresses the person. */
const ChatHandle = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty: give the chat handle or user id' })
  .max(TEXT_LIMITS.name, { error: `must be at most ${TEXT_LIMITS.name} characters` });

/** One way to reach a person; the address is checked for its type. */
export const Contact = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('email'), address: EmailAddress }),
    z.strictObject({ type: z.literal('sms'), address: PhoneNumber }),
    z.strictObject({ type: z.literal('chat'), address: ChatHandle }),
  ],
  { error: 'must have a type of email, sms or chat' },
);
export type Contact = z.infer<typeof Contact>;

/** A contact method pages reach through an SNS subscription of its own (chat goes through chat integrations). */
export type SubscribedContact = Extract<Contact, { type: 'email' | 'sms' }>;

export function subscribesAtSns<T extends Contact>(contact: T): contact is T & SubscribedContact {
  return contact.type === 'email' || contact.type === 'sms';
}

/** Two contacts are the same method when type and address match (an email address in any case). */
export function contactKey(contact: Contact): string {
  const address = contact.type === 'email' ? contact.address.toLowerCase() : contact.address;
  return `${contact.type}:${address}`;
}

const Contacts = z
  .array(Contact)
  .min(1, { error: 'must have at least one contact method: a page has to reach the person' })
  .max(MAX_CONTACTS, { error: `must have at most ${MAX_CONTACTS} contact methods` })
  .superRefine((contacts, ctx) => {
    const seen = new Map<string, number>();
    contacts.forEach((contact, index) => {
      const key = contactKey(contact);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'address'],
          message: `repeats contacts[${first}]; each contact method is listed once`,
        });
    });
  });

/** `PUT /people/{id}`: the whole person (the id comes from the path). */
export const PersonBody = z.strictObject({
  name: personText(TEXT_LIMITS.name),
  timeZone: TimeZone,
  contacts: Contacts,
});
export type PersonBody = z.infer<typeof PersonBody>;

/** A person as the domain knows them: the body and its id. */
export const Person = PersonBody.extend({ id: PersonId });
export type Person = z.infer<typeof Person>;

/**
 * Where a contact method stands:
 * - `pending-confirmation`: subscribed, waiting for the person to confirm (SNS email subscriptions);
 * - `confirmed`: pages reach it;
 * - `failed`: subscribing failed or deliveries bounce; the person must fix the address.
 */
export const ContactState = z.enum(['pending-confirmation', 'confirmed', 'failed']);
export type ContactState = z.infer<typeof ContactState>;

/** A contact method with where it stands, as `GET /people/{id}` shows it. */
export type ContactWithState = Contact & { state: ContactState };

/**
 * Where a newly added contact method starts: an email subscription waits for the person to confirm it; an
 * SMS subscription is live at once; a chat handle is addressed by the chat integration, with nothing to
 * confirm.
 */
export function initialContactState(contact: Contact): ContactState {
  return contact.type === 'email' ? 'pending-confirmation' : 'confirmed';
}

export interface ContactChanges<T extends ContactWithState> {
  /** Methods in both, as the body spells them, keeping what was stored with them (state, subscription). */
  kept: T[];
  /** New methods, each in its initial state: to subscribe. */
  added: ContactWithState[];
  /** Methods no longer listed: to unsubscribe. */
  removed: T[];
}

/**
 * What a PUT changes in a person's contact methods. A method is matched by type and address (see
 * contactKey), so replacing a person with the same methods asks for no new subscription or confirmation;
 * `kept` and `added` follow the order of the body.
 */
export function planContactChanges<T extends ContactWithState>(
  current: readonly T[],
  next: readonly Contact[],
): ContactChanges<T> {
  const currentByKey = new Map(current.map((contact) => [contactKey(contact), contact]));
  const nextKeys = new Set(next.map(contactKey));
  const kept: T[] = [];
  const added: ContactWithState[] = [];
  for (const contact of next) {
    const existing = currentByKey.get(contactKey(contact));
    if (existing) kept.push({ ...existing, ...contact });
    else added.push({ ...contact, state: initialContactState(contact) });
  }
  const removed = current.filter((contact) => !nextKeys.has(contactKey(contact)));
  return { kept, added, removed };
}
