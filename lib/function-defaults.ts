import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { cdkBundling, nodeEnvironment } from './lambda-bundling';
import type { OperationsKey } from './operations-key';

/** The repository root: entries and the lock file are resolved from here, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function fromRepoRoot(relativePath: string): string {
  return fileURLToPath(new URL(`../${relativePath}`, import.meta.url));
}

export interface FirebreakFunctionProps {
  /** Handler file, relative to the repository root, e.g. `lambdas/ingest/handler.ts`. */
  readonly entry: string;
  /** Powertools service name: the `service` key of every log line and trace. */
  readonly serviceName: string;
  readonly environment?: Record<string, string>;
  readonly description?: string;
  readonly logRetention: RetentionDays;
  /** Defaults to 30 s; an API function needs less than API Gateway's 29 s integration timeout. */
  readonly timeout?: Duration;
  /** Encrypts the function's log group. */
  readonly operationsKey: OperationsKey;
}

/**
 * A Node.js Lambda with Firebreak's defaults, so no function repeats them: Node 22 on ARM64, bundled offline by
 * the local esbuild as minified ESM with its source map beside it, not loaded at start (lib/lambda-bundling.ts),
 * X-Ray tracing, its own encrypted log group, and an explicit role that may write only to that log group
 * (instead of AWSLambdaBasicExecutionRole's `*`).
 */
export class FirebreakFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FirebreakFunctionProps) {
    props.operationsKey.allowLogGroups();
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      encryptionKey: props.operationsKey.key,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });

    super(scope, id, {
      entry: fromRepoRoot(props.entry),
      handler: 'handler',
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...nodeEnvironment(),
        ...props.environment,
      },
      bundling: cdkBundling(),
    });

    logGroup.grantWrite(role);

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is deliberate: the pinned middy 6, Powertools 2.35 and AWS SDK versions are the ones tested ' +
        'on Node 20/22; moving to nodejs24.x is a separate change together with those dependencies.',
    });

    // Tracing ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords, which X-Ray defines on `*` only.
    const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only X-Ray PutTraceSegments/PutTelemetryRecords use Resource *: X-Ray has no resource-level permissions; ' +
          'test/infra/least-privilege.test.ts fails on any other action with Resource *.',
      });
    }
  }
}
