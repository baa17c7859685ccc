import { Duration, Lazy, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  SSLMethod,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ConsoleConfig } from './config';
import { ConsoleFiles } from './console-files';
import type { ConsoleRuntimeConfig } from './console-sign-in';
import type { OperationsKey } from './operations-key';

/** Where the console's files are under the distribution: `/console/…`, the URLs local mode serves. */
const CONSOLE_PREFIX = 'console/';

/** The origins the console's page may talk to besides its own, and where its forms may go. */
export interface ConsoleConnections {
  /** The API's origin, or the origins it may be at (see FirebreakStack). */
  readonly api: string;
  /** The issuer's origins: discovery, token endpoint, sign-out. */
  readonly signIn: readonly string[];
  /** Where the sign-in redirects a person to: the authorization endpoint's origin. */
  readonly formActions: readonly string[];
}

/** The Content-Security-Policy of every console response: nothing runs or loads from anywhere but the console. */
export function consoleContentSecurityPolicy(connections: ConsoleConnections): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ['connect-src', "'self'", connections.api, ...connections.signIn].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    ['form-action', "'self'", ...connections.formActions].join(' '),
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface ConsoleHostingProps {
  /** `firebreak.console`: a domain of its own and its certificate, or the distribution's cloudfront.net name. */
  readonly config: ConsoleConfig;
  /** How long the access logs of the bucket and the distribution are kept. */
  readonly logRetention: RetentionDays;
  /** The deployment function's log group is encrypted with it, as every other log group of the stack. */
  readonly operationsKey: OperationsKey;
}

/**
 * The web console of local mode, served from the account: its files in a private bucket that only the
 * distribution may read (origin access control), behind CloudFront with HTTPS only and a strict
 * response-headers policy. Built before the parts whose links point at it; `serve` adds the files and the
 * configuration once the API and its issuer exist.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly distribution: Distribution;
  readonly responseHeaders: ResponseHeadersPolicy;
  /** `https://console.example.com` or `https://d111111abcdef8.cloudfront.net`: what CORS and sign-in name. */
  readonly origin: string;
  /** The console's address: its origin and `/`, where sign-in sends people back to. */
  readonly url: string;
  /** An incident's page in the console, `{id}` standing for the incident id (`firebreak.incidentUrl`). */
  readonly incidentUrl: string;
  private connections?: ConsoleConnections;
  private readonly operationsKey: OperationsKey;
  private readonly logRetention: RetentionDays;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const { config } = props;
    this.operationsKey = props.operationsKey;
    this.logRetention = props.logRetention;

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are written with an object ACL, which needs ACLs enabled on the bucket.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules:
        props.logRetention === RetentionDays.INFINITE
          ? []
          : [{ expiration: Duration.days(props.logRetention) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket holds the access logs of the console bucket and of its CloudFront distribution; logging ' +
        'its own access would need yet another bucket, whose access would go unlogged in turn.',
    });

    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // S3-managed keys: the files are the console's own code and a config.json of public identifiers (no
      // secret), served to anyone who opens the console; a customer-managed key would need a key policy for
      // CloudFront's service principal and add cost, and protect nothing that is not already public.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'bucket/',
      // Old versions are only there to roll back a bad deployment.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });

    this.responseHeaders = new ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'Firebreak console: strict CSP, HSTS, no sniffing, no referrer, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: Lazy.string({ produce: () => this.contentSecurityPolicy() }),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365 * 2),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      },
    });

    const domain =
      config.domainName !== undefined && config.certificateArn !== undefined
        ? {
            domainNames: [config.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: SSLMethod.SNI,
          }
        : {};
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Firebreak console',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeaders,
      },
      // `/` is the console's index.html, which loads everything else from /console/ as local mode serves it.
      defaultRootObject: `${CONSOLE_PREFIX}index.html`,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.accessLogs,
      logFilePrefix: 'distribution/',
      ...domain,
    });
    if (config.domainName === undefined) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          "Without a domain of its own the console is served at its cloudfront.net name with CloudFront's " +
          'default certificate, for which CloudFront always applies its TLSv1 security policy (no setting ' +
          'changes it). Browsers negotiate TLS 1.2 or 1.3 anyway; firebreak.console.domainName and ' +
          'certificateArn serve it with TLSv1.2_2021 as the minimum.',
      });
    }
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geographic restriction: on-call people open the console from wherever they are paged; every API ' +
        'call needs a token from the issuer, and the files served are the open-source console.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF web ACL in front of the console: it serves only static files (no origin logic to attack), and ' +
        'a web ACL costs a monthly fee per distribution; attach one with Distribution.attachWebAclId if wanted.',
    });

    this.origin = `https://${config.domainName ?? this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;
    this.incidentUrl = `${this.origin}/#/incidents/{id}`;
  }

  /**
   * Uploads the console's files (the same ones local mode serves, and the vendored uPlot) and its
   * `/console/config.json`, and lets its pages talk to `connections`.
   */
  serve(runtimeConfig: ConsoleRuntimeConfig, connections: ConsoleConnections): ConsoleFiles {
    if (this.connections) throw new Error('ConsoleHosting.serve: the console is served once');
    this.connections = connections;
    return new ConsoleFiles(this, 'Upload', {
      bucket: this.bucket,
      prefix: CONSOLE_PREFIX,
      runtimeConfig,
      operationsKey: this.operationsKey,
      logRetention: this.logRetention,
    });
  }

  private contentSecurityPolicy(): string {
    if (!this.connections) {
      throw new Error(
        'ConsoleHosting: serve() was never called, so the console has no files, no config.json and no CSP',
      );
    }
    return consoleContentSecurityPolicy(this.connections);
  }
}
