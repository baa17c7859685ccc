import { Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus as EventBusRef, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ForwarderConfig } from './config';
import { DeadLetterQueue } from './dead-letter-queue';
import { INGEST_SOURCES } from './event-sources';
import { OperationsKey } from './operations-key';

export interface FirebreakForwarderStackProps extends StackProps {
  readonly config: ForwarderConfig;
}

/**
 * For member accounts: sends the events Firebreak ingests from this account's default bus to the central
 * account's bus, where the central Firebreak ingests them.
 */
export class FirebreakForwarderStack extends Stack {
  readonly role: Role;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: FirebreakForwarderStackProps) {
    super(scope, id, props);
    const centralBusArn = props.config.centralBusArn;
    const centralBus = EventBusRef.fromEventBusArn(this, 'CentralBus', centralBusArn);

    const key = new OperationsKey(this, 'Key', { description: 'Firebreak forwarder dead-letter queue' });
    key.allowDeliveryBy('events.amazonaws.com');
    this.deadLetterQueue = new DeadLetterQueue(this, 'UndeliveredEvents', {
      encryptionKey: key.key,
      purpose: 'the rules forwarding events to the central bus',
    });

    // One role for all forwarding rules, allowed to put events on the central bus and nowhere else.
    this.role = new Role(this, 'ForwardRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com'),
      description: 'Lets EventBridge forward Firebreak events to the central bus',
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [centralBusArn] }),
    );

    const target = new EventBus(centralBus, { role: this.role, deadLetterQueue: this.deadLetterQueue });
    for (const source of INGEST_SOURCES) {
      this.rules.push(
        new Rule(this, `Forward${source.id}`, {
          description: `Forwards ${source.pattern.detailType?.join(', ')} events to the central Firebreak bus`,
          eventPattern: source.pattern,
          targets: [target],
        }),
      );
    }
  }
}
