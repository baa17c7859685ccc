import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { CentralBusConfig } from './config';

export const CENTRAL_BUS_NAME = 'firebreak-central';

/**
 * The bus that member accounts' forwarders put their events on. Only the listed accounts, or the members of the
 * organization, may call events:PutEvents on it.
 */
export class CentralBus extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, config: CentralBusConfig) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: CENTRAL_BUS_NAME });

    if (config.sourceAccounts) {
      this.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowPutEventsFromSourceAccounts',
          principals: config.sourceAccounts.map((account) => new AccountPrincipal(account)),
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
        }),
      );
    }
    if (config.organizationId) {
      this.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowPutEventsFromOrganization',
          principals: [new AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          conditions: { StringEquals: { 'aws:PrincipalOrgID': config.organizationId } },
        }),
      );
    }
  }
}
