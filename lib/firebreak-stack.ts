import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CentralBus } from './central-bus';
import type { FirebreakConfig } from './config';
import type { IncidentStore } from './incident-store';
import { Ingestion } from './ingestion';
import { Observability } from './observability';
import { OperationsKey } from './operations-key';

export interface FirebreakStackProps extends StackProps {
  /** From the stateful FirebreakData stack. */
  readonly store: Pick<IncidentStore, 'table' | 'key'>;
  readonly config: FirebreakConfig;
}

/** The stateless stack: everything but the data, safe to redeploy or replace at any time. */
export class FirebreakStack extends Stack {
  readonly ingestion: Ingestion;
  readonly observability: Observability;
  readonly centralBus?: CentralBus;
  readonly operationsKey: OperationsKey;

  constructor(scope: Construct, id: string, props: FirebreakStackProps) {
    super(scope, id, props);
    const { config, store } = props;

    const operationsKey = new OperationsKey(this, 'OperationsKey', {
      description: 'Firebreak dead-letter queues, ops topic and log groups',
    });
    this.operationsKey = operationsKey;
    if (config.centralBus) this.centralBus = new CentralBus(this, 'CentralBus', config.centralBus);

    this.ingestion = new Ingestion(this, 'Ingestion', {
      table: store.table,
      tableKey: store.key,
      operationsKey,
      logRetention: config.logRetentionDays,
      eventBuses: [
        { id: 'Default' },
        ...(this.centralBus ? [{ id: 'Central', bus: this.centralBus.bus }] : []),
      ],
    });

    this.observability = new Observability(this, 'Observability', {
      operationsKey,
      alarmEmail: config.alarmEmail,
      deadLetterQueues: [
        { id: 'UndeliveredEvents', queue: this.ingestion.deliveryDeadLetterQueue },
        { id: 'FailedIngestInvocations', queue: this.ingestion.failedInvocationQueue },
      ],
      functions: [{ id: 'IngestFunction', function: this.ingestion.function }],
    });
  }
}
