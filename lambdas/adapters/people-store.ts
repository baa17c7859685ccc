import {
  type Contact,
  type ContactChanges,
  type ContactWithState,
  contactKey,
  type PersonBody,
  planContactChanges,
} from '#core/people';
import { Directory, sameRecord, type Versioned } from './directory';
import type { DocumentSender } from './store-keys';

/**
 * A contact method as stored: its state, the ARN of its subscription on the people topic (email and SMS,
 * once subscribed) and, when it is `failed`, why.
 */
export type StoredContact = ContactWithState & { subscriptionArn?: string; problem?: string };

/** A person as stored: the body with each contact method's state, an id, a version and when it changed. */
export type StoredPerson = Versioned<{
  name: string;
  timeZone: string;
  contacts: StoredContact[];
}>;

/** Contact methods as a write stores them, once its planned changes have been acted on. */
export interface SettledContacts {
  kept: StoredContact[];
  added: StoredContact[];
  /** Removed methods that must stay stored, `failed`: their subscription could not be removed. */
  lingering: StoredContact[];
}

/**
 * Acts on a write's planned contact changes before the write (subscribing and unsubscribing at SNS) and
 * answers what to store.
 */
export type ContactSettler = (
  personId: string,
  changes: ContactChanges<StoredContact>,
) => Promise<SettledContacts>;

/** Without SNS: every method in its planned state, removed ones dropped. */
const plannedStates: ContactSettler = async (_id, { kept, added }) => ({ kept, added, lingering: [] });

/** A few writers at once on one person is rare: a few tries, then the caller answers 409. */
const MAX_PUT_ATTEMPTS = 3;

export type PutPersonResult =
  | {
      outcome: 'created' | 'replaced' | 'unchanged';
      person: StoredPerson;
      /** What the write changed: kept and added methods as stored, and the removed ones. */
      changes: ContactChanges<StoredContact>;
    }
  | { outcome: 'conflict' };

/**
 * People in the incidents table: `PK=PERSON#<id>, SK=PERSON`, with a copy in the `PEOPLE` directory
 * partition (`SK=<id>`) so `GET /people` is one Query (see Directory). Contact methods are stored with
 * their state as planContactChanges plans it and the caller's settler leaves it (their subscriptions at
 * SNS: see PeopleContacts); the changes each write made are in its answer.
 */
export class PeopleStore {
  private readonly directory: Directory<Omit<StoredPerson, 'id' | 'version' | 'updatedAt'>>;

  constructor(db: DocumentSender, tableName: string) {
    this.directory = new Directory(db, tableName, { prefix: 'PERSON', sk: 'PERSON', directory: 'PEOPLE' });
  }

  get(id: string): Promise<StoredPerson | undefined> {
    return this.directory.get(id);
  }

  /** Every person, by id. */
  list(): Promise<StoredPerson[]> {
    return this.directory.list();
  }

  /**
   * Creates or replaces a person. Contact methods already stored (same type and address) keep their state;
   * new ones start in their initial state, or as `settle` leaves them. The same body twice changes nothing
   * the second time.
   *
   * The person is written once, with the contact states `settle` answered, so nobody ever reads a person
   * half-way through. Another writer in between makes the version check fail: the person is read, planned
   * and settled again (settling must be safe to repeat, as SNS subscriptions are).
   */
  async put(
    id: string,
    body: PersonBody,
    now: Date,
    settle: ContactSettler = plannedStates,
  ): Promise<PutPersonResult> {
    for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
      const current = await this.directory.get(id);
      const planned = planContactChanges(current?.contacts ?? [], body.contacts);
      const settled = await settle(id, planned);
      const changes = { kept: settled.kept, added: settled.added, removed: planned.removed };
      const contacts = [...inBodyOrder(body.contacts, changes), ...settled.lingering];
      const record = { name: body.name, timeZone: body.timeZone, contacts };
      if (current && sameRecord(record, pick(current))) {
        // Nothing to change; the copy may still lag behind a write that failed half-way.
        await this.directory.writeCopy(current);
        return { outcome: 'unchanged', person: current, changes };
      }
      const written = await this.directory.put(id, record, current, now);
      if (written) return { outcome: current ? 'replaced' : 'created', person: written, changes };
    }
    return { outcome: 'conflict' };
  }

  /**
   * Stores new contact states of the person read as `person` (the same methods, refreshed from SNS) as its
   * next version: one conditional write. Undefined when the person changed since it was read.
   */
  replaceContacts(
    person: StoredPerson,
    contacts: StoredContact[],
    now: Date,
  ): Promise<StoredPerson | undefined> {
    return this.directory.put(person.id, { ...pick(person), contacts }, person, now);
  }

  /** Deletes the person read as `person`; false when they changed in between (the caller answers 409). */
  delete(person: StoredPerson): Promise<boolean> {
    return this.directory.delete(person);
  }
}

function inBodyOrder(contacts: readonly Contact[], changes: ContactChanges<StoredContact>): StoredContact[] {
  const byKey = new Map([...changes.kept, ...changes.added].map((contact) => [contactKey(contact), contact]));
  return contacts.map((contact) => {
    const found = byKey.get(contactKey(contact));
    if (!found) throw new Error(`unreachable: contact ${contactKey(contact)} is neither kept nor added`);
    return found;
  });
}

function pick(person: StoredPerson) {
  return { name: person.name, timeZone: person.timeZone, contacts: person.contacts };
}
