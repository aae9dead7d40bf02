import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLING, type HandlerSpec } from '../lambda/contract.js';

/**
 * This package's root: the first folder up from this file with a package.json (lib/ here,
 * dist/lib/ in the built kit). The handlers' sources (lambda/) are bundled from there.
 */
const REPO_ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));

function packageRoot(dir: string): string {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'package.json'))) return at;
    if (path.dirname(at) === at) throw new Error(`No package.json above ${dir}: picpay-webhooks is installed incompletely`);
  }
}

/**
 * The lock file that pins what the bundles contain: this repository's own; none in an installed
 * package (npm never packs one), and the embedding app's lock file is found from its folder.
 */
const OWN_LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');
const DEPS_LOCK_FILE = existsSync(OWN_LOCK_FILE) ? OWN_LOCK_FILE : undefined;

export interface PicPayFunctionProps {
  /** Entry point, memory and timeout: from lambda/contract.ts. */
  readonly spec: HandlerSpec;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
  /** The key of its log group (setting encryptLogs); none: CloudWatch Logs' own encryption. */
  readonly logEncryptionKey?: kms.IKey;
  readonly reservedConcurrentExecutions?: number;
  /** Why this function needs no asynchronous-invocation DLQ (cdk-nag Serverless-LambdaDLQ). */
  readonly noDeadLetterQueueReason: string;
  /**
   * X-Ray active tracing (default on). Off: no tracing configuration, no X-Ray permissions, and
   * POWERTOOLS_TRACE_ENABLED=false so the Powertools Tracer stays quiet.
   */
  readonly tracing?: boolean;
}

/**
 * A Lambda function with the house defaults: Node.js 24 on arm64, bundled by esbuild as a
 * minified ES module with source maps, its own log group with retention, X-Ray tracing (unless
 * turned off), and its own role that may write only to that log group (no AWS managed policy).
 * Callers grant it exactly the actions it needs on the resources they pass in.
 * The AWS SDK v3 is bundled too (BUNDLING.externals is empty, overriding esbuild's default
 * external for nodejs24.x): one minified file starts faster than the runtime's SDK, resolved
 * module by module (docs/benchmarks.md), and the function runs the SDK version it was tested with.
 */
export class PicPayFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PicPayFunctionProps) {
    super(scope, id);
    const tracing = props.tracing ?? true;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${id} function`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.spec.entry),
      handler: props.spec.exportName,
      depsLockFilePath: DEPS_LOCK_FILE,
      // Installed as a package: the embedding app's folder (its lock file's), which holds this package.
      projectRoot: DEPS_LOCK_FILE === undefined ? undefined : REPO_ROOT,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.spec.memoryMb,
      timeout: Duration.seconds(props.spec.timeoutSeconds),
      // DISABLED leaves the function without a TracingConfig and its role without X-Ray grants.
      tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(tracing ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLING.target,
        minify: BUNDLING.minify,
        keepNames: BUNDLING.keepNames,
        sourceMap: BUNDLING.sourceMap,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.externals],
        banner: BUNDLING.banner,
      },
    });
    if (tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, AWS requires Resource "*".',
      });
    } else {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason: 'Tracing is turned off for this receiver (setting tracing=false): structured logs and metrics remain; no X-Ray cost.',
      });
    }
    Validations.of(this.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason: props.noDeadLetterQueueReason });
  }

  /** Allow exactly these actions on exactly these resources. */
  allow(actions: string[], resources: string[]): void {
    this.role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
  }
}
