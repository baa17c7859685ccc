import type { ContactSubscriptions } from '#adapters/contact-subscriptions';
import type { ContactSettler, StoredContact } from '#adapters/people-store';
import { subscribesAtSns } from '#core/people';

/** A contact method whose subscription could not be removed, and why. */
export interface UnsubscribeFailure {
  contact: StoredContact;
  problem: string;
}

/**
 * Keeps people's contact methods and their SNS subscriptions in step: subscribes new email and SMS methods
 * (and ones whose subscription failed or is gone), unsubscribes removed ones, and refreshes the state of
 * methods waiting for confirmation. A failure at SNS never fails the whole request: the method concerned is
 * stored `failed` with a `problem` saying why, and the rest is saved.
 */
export class PeopleContacts {
  constructor(private readonly subscriptions: ContactSubscriptions) {}

  /**
   * For PeopleStore.put. Every call is safe to repeat: SNS answers the same subscription for the same
   * contact, and an unsubscribed one as gone. The same PUT twice subscribes nothing the second time, as every
   * kept method then has its subscription.
   */
  readonly settle: ContactSettler = async (personId, changes) => {
    const subscribe = (contact: StoredContact) => this.subscribeIfNeeded(personId, contact);
    const [kept, added, removed] = await Promise.all([
      Promise.all(changes.kept.map(subscribe)),
      Promise.all(changes.added.map(subscribe)),
      Promise.all(changes.removed.map((contact) => this.removeSubscription(contact))),
    ]);
    return {
      kept,
      added,
      lingering: removed.filter((contact): contact is StoredContact => contact !== undefined),
    };
  };

  /**
   * Asks SNS about each method waiting for confirmation (and only those: a GET stays cheap) and answers the
   * contacts with their new states, or undefined when none changed. A subscription SNS no longer has (the
   * person unsubscribed, or did not confirm within three days) becomes `failed`: saving the person again
   * subscribes it anew. A GET never subscribes anyone, so it never sends a confirmation mail. An error
   * reading one subscription leaves that method as it was.
   */
  async refresh(contacts: readonly StoredContact[]): Promise<StoredContact[] | undefined> {
    let changed = false;
    const refreshed = await Promise.all(
      contacts.map(async (contact): Promise<StoredContact> => {
        if (contact.state !== 'pending-confirmation' || !contact.subscriptionArn) return contact;
        const status = await this.subscriptions.status(contact.subscriptionArn).catch(() => undefined);
        if (status === undefined || status === contact.state) return contact;
        changed = true;
        if (status === 'confirmed') return { ...contact, state: 'confirmed' };
        return failed(
          contact,
          'the subscription no longer exists at SNS (unsubscribed, or not confirmed within 3 days): save the ' +
            'person again to send a new confirmation',
        );
      }),
    );
    return changed ? refreshed : undefined;
  }

  /**
   * Before deleting a person: removes every subscription. Answers the contacts as they should be stored if
   * the person stays (a removed subscription is dropped from its method) and the methods that failed.
   */
  async unsubscribeAll(
    contacts: readonly StoredContact[],
  ): Promise<{ contacts: StoredContact[]; failures: UnsubscribeFailure[] }> {
    const failures: UnsubscribeFailure[] = [];
    const remaining = await Promise.all(
      contacts.map(async (contact): Promise<StoredContact> => {
        if (!contact.subscriptionArn) return contact;
        try {
          await this.subscriptions.unsubscribe(contact.subscriptionArn);
          return failed(
            contact,
            'unsubscribed while deleting the person; save the person again to subscribe',
          );
        } catch (error) {
          const problem = `unsubscribing failed while deleting the person (${describe(error)}); pages may still reach it: delete again`;
          failures.push({ contact, problem });
          return { ...contact, state: 'failed', problem };
        }
      }),
    );
    return { contacts: remaining, failures };
  }

  /**
   * A method with no live subscription gets one: a new method, one whose subscribing failed or whose
   * subscription is gone, and one stored before subscriptions existed. Chat methods have none.
   */
  private async subscribeIfNeeded(personId: string, contact: StoredContact): Promise<StoredContact> {
    if (!subscribesAtSns(contact)) return contact;
    if (contact.subscriptionArn && contact.state !== 'failed') return contact;
    const { subscriptionArn: _stale, problem: _old, ...rest } = contact;
    try {
      const subscribed = await this.subscriptions.subscribe(personId, contact);
      return { ...rest, ...subscribed };
    } catch (error) {
      return {
        ...rest,
        state: 'failed',
        problem: `subscribing failed (${describe(error)}): save again to retry`,
      };
    }
  }

  /** Undefined when the method's subscription is gone (or it had none); the method, `failed`, when not. */
  private async removeSubscription(contact: StoredContact): Promise<StoredContact | undefined> {
    if (!contact.subscriptionArn) return undefined;
    try {
      await this.subscriptions.unsubscribe(contact.subscriptionArn);
      return undefined;
    } catch (error) {
      return {
        ...contact,
        state: 'failed',
        problem: `removed from the person, but unsubscribing failed (${describe(error)}); pages may still reach it: save the person again to retry`,
      };
    }
  }
}

function failed(contact: StoredContact, problem: string): StoredContact {
  const { subscriptionArn: _gone, ...rest } = contact;
  return { ...rest, state: 'failed', problem };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
