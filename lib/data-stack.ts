import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IncidentStore } from './incident-store';

/** The stateful stack: only the store, so redeploying the stateless stack can never replace data. */
export class FirebreakDataStack extends Stack {
  readonly store: IncidentStore;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.store = new IncidentStore(this, 'IncidentStore');
  }
}
