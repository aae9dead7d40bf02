import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../../lib/context.js';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';

/**
 * apiType=http: an API Gateway HTTP API in front of the same authenticator. Expected values are
 * written by hand from the AWS documentation (HTTP API Lambda integrations, payload format 1.0;
 * IAM authorization; CloudWatch metrics for HTTP APIs: 4xx, 5xx, Count, Latency,
 * IntegrationLatency with dimensions ApiId and Stage).
 */
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

const ENV = { account: '123456789012', region: 'sa-east-1' };
const DOMAIN = { domainName: 'webhooks.loja.com.br', certificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab' };

/** Synth without bundling the functions: these tests read the template only. */
function synth(props: PicPayWebhooksStackProps = {}, id = 'Shop') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PicPayWebhooksStack(app, id, { apiType: 'http', env: ENV, ...props });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const one = (type: string) => {
    const found = ofType(type);
    expect([type, found.length]).toEqual([type, 1]);
    return found[0]!;
  };
  const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  return { stack, template, json, ofType, one, logicalId };
}

const s = synth();
const apiId = s.logicalId(s.stack.webhooks.httpApi!);
const apiRef = { Ref: apiId };

describe('apiType=http: the API', () => {
  test('an HTTP API, and no REST API, WAF or account-level logging role', () => {
    const [, api] = s.one('AWS::ApiGatewayV2::Api');
    expect(api.Properties).toMatchObject({ ProtocolType: 'HTTP', Name: 'Shop', DisableExecuteApiEndpoint: false });
    for (const type of [
      'AWS::ApiGateway::RestApi',
      'AWS::ApiGateway::Stage',
      'AWS::ApiGateway::Account',
      'AWS::WAFv2::WebACL',
      'AWS::WAFv2::WebACLAssociation',
    ]) {
      expect([type, s.ofType(type).length]).toEqual([type, 0]);
    }
    expect(s.stack.webhooks.api).toBeUndefined();
    expect(s.stack.webhooks.apiType).toBe('http');
  });

  test('the three routes, each POST, to one Lambda proxy integration with payload format 1.0', () => {
    const [integrationId, integration] = s.one('AWS::ApiGatewayV2::Integration');
    expect(integration.Properties).toEqual({
      ApiId: apiRef,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [s.logicalId(s.stack.webhooks.authenticator.function), 'Arn'] },
      PayloadFormatVersion: '1.0',
    });
    const routes = s.ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['POST /callback', 'POST /charges', 'POST /webhook']);
    for (const r of routes) {
      expect(r.ApiId).toEqual(apiRef);
      expect(r.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    }
  });

  test('POST /charges is authorized with AWS IAM; the PicPay routes are open at the gateway (the authenticator checks the token)', () => {
    const auth = Object.fromEntries(s.ofType('AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType]));
    expect(auth).toEqual({ 'POST /callback': 'NONE', 'POST /webhook': 'NONE', 'POST /charges': 'AWS_IAM' });
    // IAM needs no authorizer resource: HttpIamAuthorizer only sets the route's authorization type.
    expect(s.ofType('AWS::ApiGatewayV2::Authorizer')).toHaveLength(0);
  });

  test('a named stage, deployed automatically, throttled with the rate and burst props, with JSON access logs kept for the retention', () => {
    const [, stage] = s.one('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      ApiId: apiRef,
      StageName: 'live',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const logs = stage.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    const group = s.json.Resources[logs.DestinationArn['Fn::GetAtt'][0]]!;
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(30);
    const format = JSON.parse(logs.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format.ip).toBe('$context.identity.sourceIp');
    expect(format.routeKey).toBe('$context.routeKey');
    expect(format.status).toBe('$context.status');

    const custom = synth({ stageName: 'prod', throttlingRateLimit: 5, throttlingBurstLimit: 10, logRetention: 90 });
    expect(custom.one('AWS::ApiGatewayV2::Stage')[1].Properties).toMatchObject({
      StageName: 'prod',
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    custom.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('each route throttles on its own (route settings): the PicPay routes 50/s (burst 100) each, /charges 10/s (burst 20)', () => {
    const [, stage] = s.one('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /callback': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /webhook': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /charges': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    // A route setting must name a route that exists: the stage waits for every route.
    const routes = s.ofType('AWS::ApiGatewayV2::Route').map(([id]) => id);
    expect(routes).toHaveLength(3);
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routes));
    const custom = synth({ throttlingRateLimit: 5, throttlingBurstLimit: 10, registrationRateLimit: 2.5, registrationBurstLimit: 3 });
    expect(custom.one('AWS::ApiGatewayV2::Stage')[1].Properties.RouteSettings).toEqual({
      'POST /callback': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      'POST /webhook': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      'POST /charges': { ThrottlingRateLimit: 2.5, ThrottlingBurstLimit: 3 },
    });
  });

  test('API Gateway may invoke the authenticator for each route of this API, and only there', () => {
    const permissions = s
      .ofType('AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .filter((p) => p.Principal === 'apigateway.amazonaws.com');
    expect(permissions).toHaveLength(3);
    const arn = (route: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:sa-east-1:123456789012:', apiRef, `/*/*/${route}`]],
    });
    expect(permissions.map((p) => p.SourceArn)).toEqual(expect.arrayContaining([arn('callback'), arn('webhook'), arn('charges')]));
    for (const p of permissions) expect(p.FunctionName).toEqual({ 'Fn::GetAtt': [s.logicalId(s.stack.webhooks.authenticator.function), 'Arn'] });
  });

  test('outputs: the execute-api URLs end in /live/<route>; the invoke ARN is the stage, method and path of /charges', () => {
    const url = (route: string) => ({
      'Fn::Join': ['', ['https://', apiRef, '.execute-api.sa-east-1.', { Ref: 'AWS::URLSuffix' }, `/live/${route}`]],
    });
    expect(s.json.Outputs.CallbackUrl!.Value).toEqual(url('callback'));
    expect(s.json.Outputs.WebhookUrl!.Value).toEqual(url('webhook'));
    expect(s.json.Outputs.RegistrationUrl!.Value).toEqual(url('charges'));
    expect(s.json.Outputs.RegistrationInvokeArn!.Value).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:sa-east-1:123456789012:', apiRef, '/live/POST/charges']],
    });
    expect(s.json.Outputs.CustomDomainTarget).toBeUndefined();
  });
});

describe('apiType=http: custom domain', () => {
  const d = synth({ customDomain: DOMAIN });
  const api = d.logicalId(d.stack.webhooks.httpApi!);

  test('a regional TLS 1.2 domain mapped at its root to the stage, and the execute-api endpoint switched off', () => {
    const [domainId, domain] = d.one('AWS::ApiGatewayV2::DomainName');
    expect(domain.Properties).toEqual({
      DomainName: 'webhooks.loja.com.br',
      DomainNameConfigurations: [{ CertificateArn: DOMAIN.certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    const [, mapping] = d.one('AWS::ApiGatewayV2::ApiMapping');
    expect(mapping.Properties).toEqual({ ApiId: { Ref: api }, DomainName: { Ref: domainId }, Stage: 'live' });
    // The stage is named, not referenced: the mapping must wait for it.
    expect(mapping.DependsOn).toEqual([d.logicalId(d.stack.webhooks.httpStage!)]);
    expect(d.one('AWS::ApiGatewayV2::Api')[1].Properties.DisableExecuteApiEndpoint).toBe(true);
  });

  test('the URLs are on the domain, without the stage; the DNS target is an output; the invoke ARN still names the stage', () => {
    expect(d.json.Outputs.CallbackUrl!.Value).toBe('https://webhooks.loja.com.br/callback');
    expect(d.json.Outputs.WebhookUrl!.Value).toBe('https://webhooks.loja.com.br/webhook');
    expect(d.json.Outputs.RegistrationUrl!.Value).toBe('https://webhooks.loja.com.br/charges');
    expect(d.json.Outputs.CustomDomainTarget!.Value).toEqual({ 'Fn::GetAtt': [d.one('AWS::ApiGatewayV2::DomainName')[0], 'RegionalDomainName'] });
    expect(JSON.stringify(d.json.Outputs.RegistrationInvokeArn!.Value)).toContain('/live/POST/charges');
  });

  test('a certificate from another region is refused, as for REST', () => {
    const other = { ...DOMAIN, certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' };
    expect(() => synth({ customDomain: other })).toThrow(/certificateArn.*us-east-1.*sa-east-1/);
  });
});

describe('apiType=http: no WAF', () => {
  const message = 'enableWaf cannot be used with apiType "http": AWS WAF cannot be associated with an API Gateway HTTP API';

  test('enableWaf with apiType http fails the synth from the stack props', () => {
    expect(() => synth({ enableWaf: true })).toThrow(message);
    expect(() => synth({ enableWaf: false })).not.toThrow();
  });

  test('and from the context, before any stack is built', () => {
    const app = new App({ context: { apiType: 'http', enableWaf: 'true', 'aws:cdk:bundling-stacks': [] } });
    expect(() => new PicPayWebhooksStack(app, 'FromContext', stackPropsFromContext(app.node))).toThrow(
      'Context key "enableWaf" cannot be true with apiType "http"',
    );
    const ok = new App({ context: { apiType: 'http', enableWaf: 'false', 'aws:cdk:bundling-stacks': [] } });
    expect(new PicPayWebhooksStack(ok, 'FromContext', stackPropsFromContext(ok.node)).webhooks.apiType).toBe('http');
  });

  test('an apiType that is neither rest nor http is refused, naming the prop', () => {
    expect(() => synth({ apiType: 'websocket' as never })).toThrow('apiType must be "rest" or "http"');
  });
});

describe('apiType=http: alarms and dashboard on the HTTP API metrics', () => {
  const alarms = s.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const stageDims = [
    { Name: 'ApiId', Value: apiRef },
    { Name: 'Stage', Value: 'live' },
  ];

  test('the same nineteen alarms; the API 5xx and 4xx alarms read this API and stage', () => {
    expect(alarms).toHaveLength(19);
    const api = alarms.filter((a) => a.Namespace === 'AWS/ApiGateway');
    expect(api).toEqual([
      expect.objectContaining({
        AlarmName: 'Shop-Authenticator5xx',
        MetricName: '5xx',
        Dimensions: stageDims,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
      expect.objectContaining({
        AlarmName: 'Shop-ClientErrorFlood',
        MetricName: '4xx',
        Dimensions: stageDims,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 500,
      }),
    ]);
    // The 429s are counted from this API's access log, whose status field is a string too.
    expect(alarms.find((a) => a.AlarmName === 'Shop-RequestsThrottled')).toMatchObject({
      Namespace: 'PicPayWebhooks/Shop',
      MetricName: 'ThrottledRequests',
      Threshold: 1,
    });
    const [, filter] = s.one('AWS::Logs::MetricFilter');
    expect(filter.Properties.FilterPattern).toBe('{ $.status = "429" }');
    // The 401 burst is counted by the authenticator, whichever API is in front.
    expect(alarms.find((a) => a.AlarmName === 'Shop-UnauthorizedBurst')).toMatchObject({
      Namespace: 'PicPayWebhooks/Shop',
      MetricName: 'NotificationsRejected',
      Threshold: 50,
    });
  });

  test('the dashboard graphs Count, 4xx, 5xx, Latency and IntegrationLatency of this API and stage, and nothing of a REST API', () => {
    const body = JSON.stringify(s.one('AWS::CloudWatch::Dashboard')[1].Properties.DashboardBody);
    for (const metric of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency']) {
      expect([metric, body.includes(`\\"AWS/ApiGateway\\",\\"${metric}\\",\\"ApiId\\",\\"`)]).toEqual([metric, true]);
    }
    expect(body).toContain('\\",\\"Stage\\",\\"live\\"');
    expect(body).not.toContain('ApiName');
    expect(body).not.toContain('5XXError');
  });
});

describe('apiType=http: cdk-nag', () => {
  function nag(props: PicPayWebhooksStackProps) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new PicPayWebhooksStack(app, 'NagHttp', { apiType: 'http', ...props });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    return () => app.synth();
  }

  test.each([
    ['defaults', {}],
    ['custom domain, alarm e-mail, tracing off', { customDomain: DOMAIN, alarmEmail: 'ops@loja.com.br', tracing: false, env: ENV }],
  ])('AwsSolutions and Serverless packs: no unacknowledged finding (%s)', (_name, props) => {
    expect(nag(props)).not.toThrow();
  });
});
