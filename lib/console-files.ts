import { readFileSync } from 'node:fs';
import { DefaultStackSynthesizer, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { vendorFilePaths } from '../local/console-vendor';
import type { ConsoleRuntimeConfig } from './console-sign-in';
import { fromRepoRoot } from './function-defaults';
import type { OperationsKey } from './operations-key';
import { nagWhere } from './remediation';

/** The console's own files: the directory local mode serves them from. */
const CONSOLE_DIRECTORY = 'local/console';
/** How aws-cdk-lib names BucketDeployment's singleton function (`Custom::CDKBucketDeployment<uuid>`). */
const DEPLOYMENT_FUNCTION_ID = 'Custom::CDKBucketDeployment';

/**
 * CDK's bootstrap assets bucket, where `cdk deploy` stages file assets: the default synthesizer's name, with the
 * bootstrap qualifier the app sets (`@aws-cdk/core:bootstrapQualifier`) or the default one.
 */
function assetsBucketName(scope: Construct, where: { account: string; region: string }): string {
  const synthesizer = Stack.of(scope).synthesizer;
  const qualifier =
    (synthesizer instanceof DefaultStackSynthesizer ? synthesizer.bootstrapQualifier : undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return `cdk-${qualifier}-assets-${where.account}-${where.region}`;
}

export interface ConsoleFilesProps {
  readonly bucket: Bucket;
  /** Where under the bucket the files go: `console/`, as the console asks for them. */
  readonly prefix: string;
  /** Written as `<prefix>config.json`. */
  readonly runtimeConfig: ConsoleRuntimeConfig;
  readonly operationsKey: OperationsKey;
  readonly logRetention: RetentionDays;
}

/**
 * The console's files in their bucket at every deployment: the files of local/console (the same ones local
 * mode serves), the vendored uPlot under `vendor/` (from node_modules, as local mode serves it) and the
 * deployed `config.json`. Copied by CDK's BucketDeployment function with a role of exactly what it does here.
 */
export class ConsoleFiles extends Construct {
  readonly deployment: BucketDeployment;
  readonly policy: Policy;

  constructor(scope: Construct, id: string, props: ConsoleFilesProps) {
    super(scope, id);
    const { bucket, prefix } = props;

    // `aws s3 cp` of each staged source from the bootstrap assets bucket, then `aws s3 sync --delete` into the
    // prefix (nothing is removed when the deployment is deleted: it retains its files).
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the Firebreak console files into their bucket at deploy',
    });
    const { partition, account, region } = Stack.of(this);
    this.policy = new Policy(this, 'Policy', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [`arn:${partition}:s3:::${assetsBucketName(this, { account, region })}/*`],
        }),
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:DeleteObject'],
          resources: [bucket.arnForObjects(`${prefix}*`)],
        }),
      ],
    });
    // Logged like every other function: encrypted, and kept as long.
    props.operationsKey.allowLogGroups();
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.operationsKey.key,
    });
    logGroup.grantWrite(role);

    const vendor = Object.entries(vendorFilePaths()).map(([name, path]) =>
      Source.data(`vendor/${name}`, readFileSync(path, 'utf8')),
    );
    this.deployment = new BucketDeployment(this, 'Deployment', {
      // BucketDeployment grants s3:GetObject*, s3:List*, s3:DeleteObject* and more on both buckets to whatever
      // role it is given: given this role read-only, those grants land nowhere and the policy above is all.
      role: role.withoutPolicyUpdates(),
      logGroup,
      destinationBucket: bucket,
      destinationKeyPrefix: prefix,
      sources: [
        // A config.json in the directory would be local mode's; the deployed one is written below.
        Source.asset(fromRepoRoot(CONSOLE_DIRECTORY), { exclude: ['config.json'] }),
        ...vendor,
        Source.jsonData('config.json', props.runtimeConfig),
      ],
      // Browsers and CloudFront revalidate every file, so that a redeployed console is whole at once (never a new
      // index.html with an old console.js) without an invalidation; the files are small and answer 304.
      cacheControl: [CacheControl.noCache()],
    });
    this.acknowledgeFindings(bucket, prefix);
  }

  /** CDK's deployment function: its runtime is CDK's, and the objects it copies are known only by prefix. */
  private acknowledgeFindings(bucket: Bucket, prefix: string): void {
    // The function is a singleton at the stack's root, named by CDK.
    const stack = Stack.of(this);
    const functions = stack.node.children.filter((child) => child.node.id.startsWith(DEPLOYMENT_FUNCTION_ID));
    if (functions.length !== 1 || !functions[0]) {
      throw new Error('ConsoleFiles: BucketDeployment no longer has the one function it had');
    }
    Validations.of(functions[0]).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "The runtime of aws-cdk-lib's BucketDeployment function is chosen by CDK (it runs the AWS CLI layer that " +
        'CDK ships with it) and moves with aws-cdk-lib upgrades; it runs only during a deployment.',
    });
    const where = nagWhere(this);
    const files = `<${stack.getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>/${prefix}*`;
    const assets = `arn:${where.partition}:s3:::${assetsBucketName(this, where)}/*`;
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${files}]`,
      reason:
        `The console files under ${prefix} of their own bucket, which the deployment syncs (puts new and changed ` +
        'files, deletes the ones a new version no longer has): their names come from local/console at synth.',
    });
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${assets}]`,
      reason:
        "GetObject only, in CDK's bootstrap assets bucket, where `cdk deploy` stages the console files as zip " +
        'archives named by their content hash: the deployment reads the ones of this version from there.',
    });
  }
}
