import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Distribution,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsoleSync } from '../../shared/console/build.js';
import { acknowledge, nagResource } from './nag.js';

/**
 * The customer-service console as a static site: a private bucket behind CloudFront (origin access
 * control), filled with the same files `npm start` serves under /console/. The console calls the HTTP API
 * directly (its URL in config.json; the API allows the distribution's origin), so no agent request passes
 * through or is cached by CloudFront.
 */
export class Console extends Construct {
  readonly distribution: Distribution;
  private readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with an ACL.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    acknowledge(logs, 'S1', 'This bucket receives the access logs; logging it to itself would loop.');
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'OMS customer-service console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'console-distribution/',
    });
    acknowledge(
      this.distribution,
      'CFR1',
      'Agents work from wherever the call center is; access is controlled by Cognito sign-in, not by country.',
    );
    acknowledge(
      this.distribution,
      'CFR2',
      'The distribution serves three static files; the API it calls has its own throttling and authorizers. ' +
        'A WAF web ACL costs more than the console does and can be attached without a code change.',
    );
    acknowledge(
      this.distribution,
      'CFR4',
      'The default CloudFront domain only offers its own certificate; TLS 1.2+ applies once a custom domain ' +
        'with an ACM certificate is configured (minimumProtocolVersion is set for that).',
    );
  }

  /** The console's files and its config.json (the API's URL), deployed after the API exists. */
  deploy(apiUrl: string): void {
    const files = buildConsoleSync();
    new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [
        ...[...files].map(([name, file]) => Source.data(name, file.body.toString('utf8'))),
        Source.jsonData('config.json', { apiBase: apiUrl.replace(/\/$/, '') }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
    });
    this.acknowledgeDeploymentHandler();
  }

  /**
   * BucketDeployment's handler is one Lambda per stack (CDK's singleton, outside this construct) with CDK's
   * own role: its findings are acknowledged there, one by one, so a new finding still fails the check.
   */
  private acknowledgeDeploymentHandler(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error('BucketDeployment created no handler to acknowledge');
    const reason =
      'CDK’s BucketDeployment handler copies the console files from the CDK asset bucket into the console ' +
      'bucket and invalidates the distribution, at deployment time only; its role and runtime are CDK’s.';
    // Acknowledged on the handler's role and function, not on the handler (a direct child of the stack).
    const role = handler.node.findChild('ServiceRole');
    const wildcards = [
      'Resource::*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      `Resource::${nagResource(this, `${this.bucket.bucketArn}/*`)}`,
      `Resource::${nagResource(this, `arn:${stack.partition}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`)}`,
    ];
    for (const wildcard of wildcards) acknowledge(role, `IAM5[${wildcard}]`, reason);
    acknowledge(
      role,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason,
    );
    acknowledge(handler.node.findChild('Resource'), 'L1', reason);
  }

  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
