import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../../lib/context.js';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';

/**
 * The tracing switch (context key `tracing`, default true): on, every function traces with X-Ray
 * (TracingConfig Active, the two X-Ray actions on Resource "*") and so does the REST stage; off,
 * no function has a TracingConfig or an X-Ray grant, each gets POWERTOOLS_TRACE_ENABLED=false,
 * and the REST stage does not trace. (HTTP APIs have no X-Ray tracing at all.)
 */
type Resource = { Type: string; Properties: Record<string, unknown> };

function synth(props: PicPayWebhooksStackProps) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PicPayWebhooksStack(app, 'Traced', props);
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
  const functions = ofType('AWS::Lambda::Function').map((f) => ({
    tracing: f.Properties.TracingConfig,
    traceEnv: (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_TRACE_ENABLED,
  }));
  const xrayActions = ofType('AWS::IAM::Policy').flatMap((p) =>
    (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap((st) => [st.Action].flat()).filter((a) =>
      a.startsWith('xray:'),
    ),
  );
  const restStageTracing = ofType('AWS::ApiGateway::Stage').map((st) => st.Properties.TracingEnabled);
  return { functions, xrayActions, restStageTracing };
}

describe('tracing', () => {
  test('on by default: four functions traced actively, each role may send traces, the REST stage traces', () => {
    const on = synth({});
    expect(on.functions).toEqual(Array(4).fill({ tracing: { Mode: 'Active' }, traceEnv: undefined }));
    expect(on.xrayActions.sort()).toEqual(Array(4).fill(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']).flat().sort());
    expect(on.restStageTracing).toEqual([true]);
  });

  test('off (REST): no tracing configuration, no X-Ray grant, the Powertools tracer told so, the stage not traced', () => {
    const off = synth({ tracing: false });
    expect(off.functions).toEqual(Array(4).fill({ tracing: undefined, traceEnv: 'false' }));
    expect(off.xrayActions).toEqual([]);
    expect(off.restStageTracing).toEqual([false]);
  });

  test('off (HTTP API): the same for the functions; there is no REST stage', () => {
    const off = synth({ tracing: false, apiType: 'http' });
    expect(off.functions).toEqual(Array(4).fill({ tracing: undefined, traceEnv: 'false' }));
    expect(off.xrayActions).toEqual([]);
    expect(off.restStageTracing).toEqual([]);
  });

  test('the context key reaches the stack', () => {
    const app = new App({ context: { tracing: 'false', 'aws:cdk:bundling-stacks': [] } });
    const stack = new PicPayWebhooksStack(app, 'FromContext', stackPropsFromContext(app.node));
    const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    for (const f of Object.values(fns)) expect(f.Properties.TracingConfig).toBeUndefined();
  });

  test.each([
    ['REST', {}],
    ['HTTP API', { apiType: 'http' as const }],
  ])('cdk-nag: tracing off leaves no unacknowledged finding (%s)', (_name, props) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new PicPayWebhooksStack(app, 'NagUntraced', { ...props, tracing: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
