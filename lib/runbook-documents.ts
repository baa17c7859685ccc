import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The SSM Automation documents Firebreak ships (`runbooks/documents/*.json`, one `AWS::SSM::Document` each) and
 * what each needs from the automation role. The role gets a document's permissions only while a binding uses
 * it, and never more than listed here: test/infra/remediation.test.ts checks each list against the API calls
 * its document makes.
 */

export type DocumentKind = 'diagnostic' | 'remediation';

/**
 * An ARN of this account and region with `{partition}`, `{region}` and `{account}` to fill, or `*` for actions
 * that define no resource type.
 */
export type ArnPattern = '*' | `arn:{partition}:${string}`;

export interface DocumentPermission {
  readonly actions: readonly string[];
  readonly resources: readonly ArnPattern[];
}

/** What a document needs from the role SSM Automation assumes to run it. */
export interface KnownDocument {
  readonly name: string;
  readonly kind: DocumentKind;
  readonly permissions: readonly DocumentPermission[];
}

export interface ShippedDocument extends KnownDocument {
  /** Relative to the repository root. */
  readonly file: string;
}

const EC2_INSTANCES: ArnPattern = 'arn:{partition}:ec2:{region}:{account}:instance/*';
const ECS_SERVICES: ArnPattern = 'arn:{partition}:ecs:{region}:{account}:service/*';
const RDS_INSTANCES: ArnPattern = 'arn:{partition}:rds:{region}:{account}:db:*';
const LAMBDA_FUNCTIONS: ArnPattern = 'arn:{partition}:lambda:{region}:{account}:function:*';

/** EC2's Describe actions define no resource type: IAM takes them on `*` only. */
const DESCRIBE_EC2_INSTANCES: DocumentPermission = {
  actions: ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstances'],
  resources: ['*'],
};

export const SHIPPED_DOCUMENTS: readonly ShippedDocument[] = [
  {
    name: 'Firebreak-Diagnose',
    file: 'runbooks/documents/Firebreak-Diagnose.json',
    kind: 'diagnostic',
    permissions: [
      DESCRIBE_EC2_INSTANCES,
      { actions: ['ecs:DescribeServices'], resources: [ECS_SERVICES] },
      { actions: ['rds:DescribeDBInstances'], resources: [RDS_INSTANCES] },
      { actions: ['lambda:GetFunctionConfiguration'], resources: [LAMBDA_FUNCTIONS] },
    ],
  },
  {
    name: 'Firebreak-RestartEC2Instance',
    file: 'runbooks/documents/Firebreak-RestartEC2Instance.json',
    kind: 'remediation',
    permissions: [
      DESCRIBE_EC2_INSTANCES,
      {
        actions: ['ec2:RebootInstances', 'ec2:StartInstances', 'ec2:StopInstances'],
        resources: [EC2_INSTANCES],
      },
    ],
  },
  {
    name: 'Firebreak-ForceNewEcsDeployment',
    file: 'runbooks/documents/Firebreak-ForceNewEcsDeployment.json',
    kind: 'remediation',
    permissions: [{ actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [ECS_SERVICES] }],
  },
  {
    name: 'Firebreak-RebootRdsInstance',
    file: 'runbooks/documents/Firebreak-RebootRdsInstance.json',
    kind: 'remediation',
    permissions: [
      { actions: ['rds:DescribeDBInstances', 'rds:RebootDBInstance'], resources: [RDS_INSTANCES] },
    ],
  },
];

/**
 * AWS-owned documents whose needs Firebreak knows, as their documentation lists them: bound with
 * `AutomationAssumeRole: "{automationRole}"`, they run under the automation role, which gets exactly these.
 */
export const KNOWN_AWS_DOCUMENTS: readonly KnownDocument[] = [
  {
    name: 'AWS-RestartEC2Instance',
    kind: 'remediation',
    permissions: [
      { actions: ['ec2:DescribeInstanceStatus'], resources: ['*'] },
      { actions: ['ec2:StartInstances', 'ec2:StopInstances'], resources: [EC2_INSTANCES] },
    ],
  },
];

/** Document name prefixes only AWS may use: SSM refuses to create a document of the account under them. */
export const AWS_OWNED_PREFIXES = ['AWS-', 'AWSSupport-'] as const;

export function isAwsOwned(documentName: string): boolean {
  return AWS_OWNED_PREFIXES.some((prefix) => documentName.startsWith(prefix));
}

export function shippedDocument(name: string): ShippedDocument | undefined {
  return SHIPPED_DOCUMENTS.find((document) => document.name === name);
}

/** The permissions a bound document brings to the automation role, if Firebreak knows them. */
export function knownDocument(name: string): KnownDocument | undefined {
  return shippedDocument(name) ?? KNOWN_AWS_DOCUMENTS.find((document) => document.name === name);
}

/** The parts of an Automation document (schemaVersion 0.3) that Firebreak reads and checks. */
export interface AutomationDocument {
  schemaVersion: string;
  description?: string;
  assumeRole?: string;
  parameters: Record<
    string,
    {
      type: string;
      description?: string;
      default?: unknown;
      allowedPattern?: string;
      allowedValues?: unknown[];
    }
  >;
  mainSteps: Array<{
    name: string;
    action: string;
    inputs: Record<string, unknown>;
    outputs?: Array<{ Name: string; Selector: string; Type: string }>;
    nextStep?: string;
    isEnd?: boolean;
  }>;
  outputs?: string[];
}

const contents = new Map<string, AutomationDocument>();

/** The document's content as its file holds it, read once. */
export function documentContent(document: ShippedDocument): AutomationDocument {
  let content = contents.get(document.name);
  if (!content) {
    const path = fileURLToPath(new URL(`../${document.file}`, import.meta.url));
    content = JSON.parse(readFileSync(path, 'utf8')) as AutomationDocument;
    contents.set(document.name, content);
  }
  return content;
}

/** The document's parameters, each with whether a run must give it (a parameter without a default). */
export function documentParameters(document: ShippedDocument): Array<{ name: string; required: boolean }> {
  return Object.entries(documentContent(document).parameters).map(([name, parameter]) => ({
    name,
    required: parameter.default === undefined,
  }));
}

/** `arn:{partition}:ec2:{region}:{account}:instance/*` with the stack's values (tokens or literals). */
export function fillArn(pattern: ArnPattern, where: { partition: string; region: string; account: string }) {
  return pattern
    .replace('{partition}', where.partition)
    .replace('{region}', where.region)
    .replace('{account}', where.account);
}
