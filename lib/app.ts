import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_KEY, parseFirebreakConfig } from './config';
import { FirebreakDataStack } from './data-stack';
import { FirebreakStack } from './firebreak-stack';
import { FirebreakForwarderStack } from './forwarder-stack';

export interface BuildAppOptions {
  /** Extra context, as `cdk -c` would give it; tests pass feature flags and `firebreak` here. */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  /** Account and region; absent parts stay unresolved so that synth needs no credentials. */
  readonly env?: Environment;
}

export interface FirebreakApp {
  readonly app: App;
  readonly data: FirebreakDataStack;
  readonly firebreak: FirebreakStack;
  readonly forwarder?: FirebreakForwarderStack;
}

/** Builds the whole app, for bin/firebreak.ts and the tests alike. Throws naming any bad context key. */
export function buildApp(options: BuildAppOptions = {}): FirebreakApp {
  const app = new App({ context: options.context, outdir: options.outdir });
  const config = parseFirebreakConfig(app.node.tryGetContext(CONTEXT_KEY));
  const env = options.env;

  const data = new FirebreakDataStack(app, 'FirebreakData', {
    env,
    description: 'Firebreak stateful resources: the incidents table and its key',
  });
  const firebreak = new FirebreakStack(app, 'Firebreak', {
    env,
    description: 'Firebreak incident pipeline: ingestion, alarms and operations',
    store: data.store,
    config,
  });
  const forwarder = config.forwarder
    ? new FirebreakForwarderStack(app, 'FirebreakForwarder', {
        env,
        description: 'Firebreak forwarder: sends the events of this account to the central Firebreak bus',
        config: config.forwarder,
      })
    : undefined;

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, data, firebreak, forwarder };
}
