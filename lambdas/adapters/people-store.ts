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

/** A person as stored: the body with each contact method's state, an id, a version and when it changed. */
export type StoredPerson = Versioned<{
  name: string;
  timeZone: string;
  contacts: ContactWithState[];
}>;

/** A few writers at once on one person is rare: a few tries, then the caller answers 409. */
const MAX_PUT_ATTEMPTS = 3;

export type PutPersonResult =
  | {
      outcome: 'created' | 'replaced' | 'unchanged';
      person: StoredPerson;
      changes: ContactChanges<ContactWithState>;
    }
  | { outcome: 'conflict' };

/**
 * People in the incidents table: `PK=PERSON#<id>, SK=PERSON`, with a copy in the `PEOPLE` directory
 * partition (`SK=<id>`) so `GET /people` is one Query (see Directory). Contact methods are stored with
 * their state as planContactChanges plans it; subscribing them at SNS is the caller's next step, and the
 * changes each write made are in its answer for that.
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
   * new ones start in their initial state. The same body twice changes nothing the second time.
   */
  async put(id: string, body: PersonBody, now: Date): Promise<PutPersonResult> {
    for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
      const current = await this.directory.get(id);
      const changes = planContactChanges(current?.contacts ?? [], body.contacts);
      const contacts = inBodyOrder(body.contacts, changes);
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

  /** Deletes the person read as `person`; false when they changed in between (the caller answers 409). */
  delete(person: StoredPerson): Promise<boolean> {
    return this.directory.delete(person);
  }
}

function inBodyOrder(
  contacts: readonly Contact[],
  changes: ContactChanges<ContactWithState>,
): ContactWithState[] {
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
