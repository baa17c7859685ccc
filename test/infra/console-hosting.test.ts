import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFirebreakConfig } from '../../lib/config';
import { fromRepoRoot } from '../../lib/function-defaults';
import { dependencyCycle, FULL_CONFIG, resourcesOfType, type Synthesized, synthesize } from './support';

const ISSUER = 'https://login.example.com/oauth2/default';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012';
/** A domain of its own, and another OIDC issuer with the console's client registered there. */
const OWN_DOMAIN_AND_ISSUER = {
  api: { auth: { issuer: ISSUER, audience: ['api://firebreak'] } },
  console: {
    domainName: 'console.example.com',
    certificateArn: CERTIFICATE_ARN,
    clientId: 'firebreak-console',
  },
};

/** A template value as text: `Fn::Join` joined, `{ Ref: X }` as `<X>`, `Fn::GetAtt` as `<X.Attribute>`. */
function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(rendered).join(separator);
  }
  if ('Ref' in intrinsic) return `<${String(intrinsic.Ref)}>`;
  if ('Fn::GetAtt' in intrinsic) return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** The properties of the resource of `type` with logical id `id`, or of the only one; throws unless one. */
function propertiesOf(template: Template, type: string, id?: string): Record<string, unknown> {
  const found = resourcesOfType(template, type).filter(([name]) => id === undefined || name === id);
  if (found.length !== 1 || !found[0])
    throw new Error(`expected one ${type} ${id ?? ''}, found ${found.length}`);
  return found[0][1];
}

/** The Content-Security-Policy of the one response-headers policy, rendered, directive by directive. */
function contentSecurityPolicy(template: Template): string[] {
  const config = propertiesOf(template, 'AWS::CloudFront::ResponseHeadersPolicy')
    .ResponseHeadersPolicyConfig as {
    SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } };
  };
  return rendered(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).split('; ');
}

const idOf = (synthesized: Synthesized, element: unknown): string =>
  synthesized.firebreak.getLogicalId(element as CfnElement);

/** Logical ids of the parts the assertions name. */
function ids(synthesized: Synthesized) {
  const { console: hosting, api } = synthesized.firebreak;
  return {
    files: idOf(synthesized, hosting.bucket.node.defaultChild),
    filesPolicy: idOf(synthesized, hosting.bucket.policy?.node.defaultChild),
    logs: idOf(synthesized, hosting.accessLogs.node.defaultChild),
    distribution: idOf(synthesized, hosting.distribution.node.defaultChild),
    headers: idOf(synthesized, hosting.responseHeaders.node.defaultChild),
    api: idOf(synthesized, api.httpApi.node.defaultChild),
    pool: api.cognito ? idOf(synthesized, api.cognito.userPool.node.defaultChild) : undefined,
    domain: api.cognito ? idOf(synthesized, api.cognito.domain.node.defaultChild) : undefined,
    webClient: api.cognito ? idOf(synthesized, api.cognito.webClient.node.defaultChild) : undefined,
  };
}

interface Deployment {
  SourceObjectKeys: string[];
  SourceMarkers: Array<Record<string, unknown>>;
  DestinationBucketName: unknown;
  DestinationBucketKeyPrefix: string;
  SystemMetadata: Record<string, string>;
}

/** The one BucketDeployment, and each of its sources as the files it uploads (markers filled in, rendered). */
function deployedFiles(synthesized: Synthesized): { deployment: Deployment; files: Map<string, string> } {
  const deployments = resourcesOfType(synthesized.templates.firebreak, 'Custom::CDKBucketDeployment');
  expect(deployments).toHaveLength(1);
  const deployment = deployments[0]?.[1] as unknown as Deployment;
  const files = new Map<string, string>();
  deployment.SourceObjectKeys.forEach((key, index) => {
    const directory = join(synthesized.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const markers = deployment.SourceMarkers[index] ?? {};
    for (const name of readdirSync(directory, { recursive: true, withFileTypes: true })) {
      if (!name.isFile()) continue;
      const path = join(name.parentPath, name.name);
      let content = readFileSync(path, 'utf8');
      for (const [marker, value] of Object.entries(markers))
        content = content.replaceAll(marker, rendered(value));
      files.set(path.slice(directory.length + 1), content);
    }
  });
  return { deployment, files };
}

const require = createRequire(import.meta.url);

describe("the console at its cloudfront.net name, signing in through the stack's user pool", () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let id: ReturnType<typeof ids>;

  beforeAll(() => {
    // Synthesized with cdk-nag, as bin/firebreak.ts does: an unacknowledged finding would fail here.
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
    id = ids(synthesized);
  });
  afterAll(() => synthesized.dispose());

  it('keeps the files in a private, versioned, encrypted bucket that logs its access', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: id.logs }, LogFilePrefix: 'bucket/' },
    });
    expect(propertiesOf(firebreak, 'AWS::S3::Bucket', id.files).WebsiteConfiguration).toBeUndefined();
  });

  it('lets only this distribution read the files, and refuses every request without TLS', () => {
    // Prepare
    const policy = propertiesOf(firebreak, 'AWS::S3::BucketPolicy', id.filesPolicy);
    const statements = (policy.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const bucketArn = { 'Fn::GetAtt': [id.files, 'Arn'] };

    // Assess
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
    });
    const allow = statements.find((statement) => statement.Effect === 'Allow') ?? {};
    expect(allow).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
    });
    const sourceArn = (allow.Condition as { StringEquals: Record<string, unknown> }).StringEquals[
      'AWS:SourceArn'
    ];
    expect(rendered(sourceArn)).toBe(
      `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${id.distribution}>`,
    );
  });

  it('serves through CloudFront with origin access control, HTTPS only, HTTP/2 and HTTP/3', () => {
    // Assess
    firebreak.resourceCountIs('AWS::CloudFront::Distribution', 1);
    firebreak.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    firebreak.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::GetAtt': [id.files, 'RegionalDomainName'] },
            OriginAccessControlId: { 'Fn::GetAtt': [Match.anyValue(), 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: { Ref: id.headers },
        }),
        HttpVersion: 'http2and3',
        // `/` is the console's index.html; everything else is under /console/, as local mode serves it.
        DefaultRootObject: 'console/index.html',
        Logging: { Bucket: { 'Fn::GetAtt': [id.logs, 'RegionalDomainName'] }, Prefix: 'distribution/' },
        // CloudFront's default certificate: its TLS policy cannot be set (see the custom domain below).
        ViewerCertificate: Match.absent(),
        Aliases: Match.absent(),
      }),
    });
  });

  it('answers with a strict CSP, HSTS, nosniff, no referrer and no framing', () => {
    // Prepare
    const headers = (
      propertiesOf(firebreak, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig as {
        SecurityHeadersConfig: Record<string, unknown>;
      }
    ).SecurityHeadersConfig;

    // Assess
    expect(headers.ContentSecurityPolicy).toMatchObject({ Override: true });
    expect(contentSecurityPolicy(firebreak)).toEqual([
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      // API Gateway in the stack's region, not the API by its id: its CORS names this distribution (no cycle).
      "connect-src 'self' https://*.execute-api.<AWS::Region>.<AWS::URLSuffix> " +
        `https://<${id.domain}>.auth.<AWS::Region>.amazoncognito.com https://cognito-idp.<AWS::Region>.amazonaws.com`,
      "object-src 'none'",
      "base-uri 'none'",
      `form-action 'self' https://<${id.domain}>.auth.<AWS::Region>.amazoncognito.com`,
      "frame-ancestors 'none'",
    ]);
    expect(headers).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
    });
  });

  it('uploads the files local mode serves, the vendored uPlot and config.json under console/', () => {
    // Act
    const { deployment, files } = deployedFiles(synthesized);

    // Assess
    expect(deployment.DestinationBucketName).toEqual({ Ref: id.files });
    expect(deployment.DestinationBucketKeyPrefix).toBe('console/');
    expect(deployment.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    const consoleFiles = readdirSync(fromRepoRoot('local/console')).filter((name) => name !== 'config.json');
    expect([...files.keys()].sort()).toEqual(
      [...consoleFiles, 'vendor/uPlot.esm.js', 'vendor/uPlot.min.css', 'config.json'].sort(),
    );
    for (const name of consoleFiles) {
      expect(files.get(name), name).toBe(readFileSync(fromRepoRoot(`local/console/${name}`), 'utf8'));
    }
    expect(files.get('vendor/uPlot.esm.js')).toBe(
      readFileSync(require.resolve('uplot/dist/uPlot.esm.js'), 'utf8'),
    );
    expect(files.get('vendor/uPlot.min.css')).toBe(
      readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    );
  });

  it("writes config.json for the user pool's web client, the hosted UI's endpoints and the API", () => {
    // Act
    const config = JSON.parse(deployedFiles(synthesized).files.get('config.json') ?? 'null');

    // Assess
    const hostedUi = `https://<${id.domain}>.auth.<AWS::Region>.amazoncognito.com`;
    expect(config).toEqual({
      mode: 'oidc',
      apiUrl: `<${id.api}.ApiEndpoint>`,
      oidc: {
        issuer: `https://cognito-idp.<AWS::Region>.amazonaws.com/<${id.pool}>`,
        clientId: `<${id.webClient}>`,
        authorizationEndpoint: `${hostedUi}/oauth2/authorize`,
        tokenEndpoint: `${hostedUi}/oauth2/token`,
        endSessionEndpoint: `${hostedUi}/logout`,
        endSessionStyle: 'cognito',
        scopes: ['openid', 'email', 'firebreak/incidents:read', 'firebreak/incidents:write'],
        scopePrefix: 'firebreak/',
        redirectPath: '/',
      },
    });
  });

  it("adds the console's origin to the API's CORS and its URL to the web client's callback and sign-out URLs", () => {
    // Prepare
    const origin = `https://<${id.distribution}.DomainName>`;
    const cors = propertiesOf(firebreak, 'AWS::ApiGatewayV2::Api').CorsConfiguration as {
      AllowOrigins: unknown[];
    };
    const webClient = propertiesOf(firebreak, 'AWS::Cognito::UserPoolClient', id.webClient);

    // Assess
    expect(cors.AllowOrigins.map(rendered)).toEqual([origin]);
    expect((webClient.CallbackURLs as unknown[]).map(rendered)).toEqual([
      'http://localhost:3000/callback',
      `${origin}/`,
    ]);
    expect((webClient.LogoutURLs as unknown[]).map(rendered)).toEqual([`${origin}/`]);
  });

  it("links every notification to the incident's page in the console when incidentUrl is not set", () => {
    // Prepare
    const withLinks = resourcesOfType(firebreak, 'AWS::Lambda::Function')
      .map(
        ([, props]) => (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      )
      .filter((variables) => variables?.INCIDENT_URL !== undefined);

    // Assess: ingest opens incidents and links to none; the four that notify or answer with links do.
    expect(withLinks).toHaveLength(4);
    for (const variables of withLinks) {
      expect(rendered(variables?.INCIDENT_URL)).toBe(
        `https://<${id.distribution}.DomainName>/#/incidents/{id}`,
      );
    }
  });

  it('prints ConsoleUrl', () => {
    // Assess
    const outputs = firebreak.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(rendered(outputs.ConsoleUrl?.Value)).toBe(`https://<${id.distribution}.DomainName>/`);
    expect(outputs.ConsoleDistributionDomainName).toBeUndefined();
  });

  it('has no cycle of references, which CloudFormation would refuse at deploy', () => {
    expect(dependencyCycle(firebreak)).toBeUndefined();
  });
});

describe('the console at a domain of its own, signing in through another OIDC issuer', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let id: ReturnType<typeof ids>;

  beforeAll(() => {
    synthesized = synthesize({ ...FULL_CONFIG, ...OWN_DOMAIN_AND_ISSUER });
    firebreak = synthesized.templates.firebreak;
    id = ids(synthesized);
  });
  afterAll(() => synthesized.dispose());

  it('serves the domain with its certificate and TLS 1.2 or newer', () => {
    firebreak.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['console.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: CERTIFICATE_ARN,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
        HttpVersion: 'http2and3',
      }),
    });
  });

  it('names the API exactly in the CSP, and the issuer for sign-in', () => {
    // Prepare
    const csp = contentSecurityPolicy(firebreak);

    // Assess
    expect(csp).toContain(`connect-src 'self' <${id.api}.ApiEndpoint> https://login.example.com`);
    expect(csp).toContain("form-action 'self' https://login.example.com");
  });

  it("writes config.json with the configured client, for the issuer's discovery document", () => {
    // Act
    const config = JSON.parse(deployedFiles(synthesized).files.get('config.json') ?? 'null');

    // Assess
    expect(config).toEqual({
      mode: 'oidc',
      apiUrl: `<${id.api}.ApiEndpoint>`,
      oidc: {
        issuer: ISSUER,
        clientId: 'firebreak-console',
        endSessionStyle: 'oidc',
        scopes: ['openid', 'email', 'incidents:read', 'incidents:write'],
        scopePrefix: '',
        redirectPath: '/',
      },
    });
  });

  it('names the domain in CORS, the incident links and ConsoleUrl, and prints where its DNS should point', () => {
    // Prepare
    const cors = propertiesOf(firebreak, 'AWS::ApiGatewayV2::Api').CorsConfiguration as {
      AllowOrigins: unknown[];
    };
    const outputs = firebreak.toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(cors.AllowOrigins).toEqual(['https://console.example.com']);
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ INCIDENT_URL: 'https://console.example.com/#/incidents/{id}' }),
      },
    });
    expect(outputs.ConsoleUrl?.Value).toBe('https://console.example.com/');
    expect(outputs.ConsoleDistributionDomainName?.Value).toEqual({
      'Fn::GetAtt': [id.distribution, 'DomainName'],
    });
    firebreak.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
  });

  it('has no cycle of references', () => {
    expect(dependencyCycle(firebreak)).toBeUndefined();
  });
});

describe('an incidentUrl of your own', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize({ incidentUrl: 'https://firebreak.example.com/incidents/{id}' });
  });
  afterAll(() => synthesized.dispose());

  it('stays what every notification links to; the console is served all the same', () => {
    synthesized.templates.firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ INCIDENT_URL: 'https://firebreak.example.com/incidents/{id}' }),
      },
    });
    synthesized.templates.firebreak.resourceCountIs('AWS::CloudFront::Distribution', 1);
  });
});

describe('firebreak.console context', () => {
  it('defaults to the cloudfront.net name and the stack user pool web client', () => {
    expect(parseFirebreakConfig({}).console).toEqual({});
  });

  it.each([
    [
      'a domain without a certificate',
      { console: { domainName: 'console.example.com' } },
      'firebreak.console.certificateArn: is required with domainName',
    ],
    [
      'a certificate without a domain',
      { console: { certificateArn: CERTIFICATE_ARN } },
      'firebreak.console.domainName: is required with certificateArn',
    ],
    [
      'a certificate outside us-east-1',
      {
        console: {
          domainName: 'console.example.com',
          certificateArn: CERTIFICATE_ARN.replace('us-east-1', 'eu-west-1'),
        },
      },
      'firebreak.console.certificateArn: must be an ACM certificate ARN in us-east-1',
    ],
    [
      'a URL for a domain',
      { console: { domainName: 'https://console.example.com', certificateArn: CERTIFICATE_ARN } },
      'firebreak.console.domainName: must be a lower-case host name',
    ],
    [
      'another issuer without the console client',
      { api: { auth: { issuer: ISSUER, audience: ['api://firebreak'] } } },
      'firebreak.console.clientId: is required with api.auth.issuer',
    ],
    [
      'a client with the stack user pool',
      { console: { clientId: 'firebreak-console' } },
      'firebreak.console.clientId: is only for api.auth.issuer',
    ],
  ])('refuses %s, naming the key', (_, firebreak, message) => {
    expect(() => parseFirebreakConfig(firebreak)).toThrow(message);
  });
});
