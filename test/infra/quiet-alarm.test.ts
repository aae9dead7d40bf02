import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackPropsFromContext } from '../../lib/context.js';
import { PicPayWebhooksStack, type PicPayWebhooksStackProps } from '../../lib/stack.js';

/**
 * "PicPay went quiet" (docs/operations.md): an optional alarm when no notification has been
 * accepted for quietAlarmHours hours. Expected values written by hand from the CloudWatch
 * documentation (PutMetricAlarm: a period of an hour or more evaluates at most 7 days).
 */
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function alarms(props: PicPayWebhooksStackProps) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PicPayWebhooksStack(app, 'Quiet', props);
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
}
const quiet = (props: PicPayWebhooksStackProps) => alarms(props).filter((a) => a.Properties.AlarmName === 'Quiet-PicPayQuiet');

test('off by default: no quiet alarm', () => {
  expect(quiet({})).toEqual([]);
});

test('quietAlarmHours=24: fires when no notification was accepted in any of the last 24 hours, missing data breaching', () => {
  const [alarm, ...more] = quiet({ quietAlarmHours: 24 });
  expect(more).toEqual([]);
  expect(alarm!.Properties).toMatchObject({
    Namespace: 'PicPayWebhooks/Quiet',
    MetricName: 'NotificationsAccepted',
    Dimensions: [{ Name: 'service', Value: 'authenticator' }],
    Statistic: 'Sum',
    Period: 3600,
    EvaluationPeriods: 24,
    DatapointsToAlarm: 24,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
  });
  expect((alarm!.Properties.AlarmActions as unknown[]).length).toBe(1);
  expect(String(alarm!.Properties.AlarmDescription)).toContain('picpay-webhooks doctor');
});

test('168 hours, the most CloudWatch evaluates at a period of an hour (7 days), is accepted', () => {
  expect(quiet({ quietAlarmHours: 168 })[0]!.Properties.EvaluationPeriods).toBe(168);
});

test.each([0, 169, 1.5, -3])('quietAlarmHours %p is refused, naming the prop', (hours) => {
  expect(() => new PicPayWebhooksStack(new App(), 'Bad', { quietAlarmHours: hours })).toThrow('quietAlarmHours');
});

test('the context key reaches the prop: -c quietAlarmHours=12', () => {
  const ctx = (values: Record<string, unknown>) => ({ tryGetContext: (k: string) => values[k] });
  expect(stackPropsFromContext(ctx({ quietAlarmHours: '12' })).quietAlarmHours).toBe(12);
  expect(() => stackPropsFromContext(ctx({ quietAlarmHours: '200' }))).toThrow('Context key "quietAlarmHours" must be a whole number of hours from 1 to 168');
});
