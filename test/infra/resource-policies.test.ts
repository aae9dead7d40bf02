import type { Stack } from 'aws-cdk-lib';
import type { PicPayWebhooks } from '../../lib/construct.js';
import { ACCOUNT, type Decision, evaluate, type PolicyDocument, type Principal, REGION, resolver, type Statement } from './iam.support.js';
import { OPERATOR_ROLE_ARN, RECEIVERS_WITH_OPERATOR, STACKS_ENCRYPTING_LOGS, variants } from './variants.support.js';

/**
 * Every resource policy and key policy in the template, read as IAM reads it (./iam.ts):
 * what each principal the stack wires to a resource can do there, and that no policy lets
 * in anyone else. Expected principals and outcomes are written by hand.
 */
type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

function model(stack: Stack, receiver: PicPayWebhooks, raw: Record<string, unknown>) {
  const template = raw as unknown as Template;
  const { resolve, arnOf } = resolver(template);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const refersTo = (value: unknown, logicalId: string) => JSON.stringify(value).includes(`"${logicalId}"`);

  /** The policies that govern each resource, by logical id. */
  const resourcePolicies = new Map<string, PolicyDocument[]>();
  const add = (target: string, doc: PolicyDocument) => resourcePolicies.set(target, [...(resourcePolicies.get(target) ?? []), doc]);
  for (const [, p] of ofType('AWS::SNS::TopicPolicy'))
    for (const t of p.Properties.Topics as unknown[]) add((t as { Ref: string }).Ref, resolve(p.Properties.PolicyDocument) as PolicyDocument);
  for (const [, p] of ofType('AWS::SQS::QueuePolicy'))
    for (const q of p.Properties.Queues as unknown[]) add((q as { Ref: string }).Ref, resolve(p.Properties.PolicyDocument) as PolicyDocument);
  for (const [keyId, k] of ofType('AWS::KMS::Key')) add(keyId, resolve(k.Properties.KeyPolicy) as PolicyDocument);
  for (const [, p] of ofType('AWS::SecretsManager::ResourcePolicy'))
    add((p.Properties.SecretId as { Ref: string }).Ref, resolve(p.Properties.ResourcePolicy) as PolicyDocument);
  for (const [, perm] of ofType('AWS::Lambda::Permission')) {
    const fn = (perm.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const condition: Statement['Condition'] = {};
    if (perm.Properties.SourceArn) condition.ArnLike = { 'aws:SourceArn': resolve(perm.Properties.SourceArn) as string };
    if (perm.Properties.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': resolve(perm.Properties.SourceAccount) as string };
    add(fn, {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: perm.Properties.Principal as string },
          Action: perm.Properties.Action as string,
          Resource: arnOf(fn),
          Condition: condition,
        },
      ],
    });
  }
  const identityOf = (roleId: string): PolicyDocument[] => [
    ...ofType('AWS::IAM::Policy')
      .filter(([, p]) => refersTo(p.Properties.Roles, roleId))
      .map(([, p]) => resolve(p.Properties.PolicyDocument) as PolicyDocument),
    ...((template.Resources[roleId]!.Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map(
      (p) => resolve(p.PolicyDocument) as PolicyDocument,
    ),
  ];

  const role = (fn: { role: { node: { defaultChild?: unknown } } }) => {
    const roleId = id(fn.role);
    return { principal: { arn: arnOf(roleId), account: ACCOUNT } as Principal, identity: identityOf(roleId) };
  };
  const cloudwatch: Principal = { service: 'cloudwatch.amazonaws.com' };
  const roles = {
    authenticator: role(receiver.authenticator),
    processor: role(receiver.processor),
    reconciler: role(receiver.reconciler),
    sweeper: role(receiver.sweeper),
  };
  // This receiver's alarms (a stack may hold several receivers).
  const alarmArns = ofType('AWS::CloudWatch::Alarm')
    .map(([, a]) => resolve(a.Properties.AlarmName) as string)
    .filter((name) => name.startsWith(receiver.monitoring.alarmNamePrefix))
    .map((name) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`);

  function can(
    who: Principal | { principal: Principal; identity: PolicyDocument[] },
    action: string,
    resourceId: string,
    context: Record<string, string> = {},
  ): Decision {
    const principal = 'principal' in who ? who.principal : who;
    const identity = 'principal' in who ? who.identity : [];
    const type = template.Resources[resourceId]!.Type;
    return evaluate(
      { principal, action, resource: arnOf(resourceId), context: { 'aws:SecureTransport': 'true', ...context } },
      { resource: resourcePolicies.get(resourceId) ?? [], identity, isKeyPolicy: type === 'AWS::KMS::Key' },
    );
  }

  return {
    template,
    resourcePolicies,
    can,
    cloudwatch,
    roles,
    alarmArns,
    ids: {
      alarmTopic: id(receiver.monitoring.alarmTopic),
      eventTopic: id(receiver.topic),
      key: id(receiver.key),
      queue: id(receiver.queue),
      dlq: id(receiver.deadLetterQueue),
      tokensSecret: id(receiver.tokensSecret),
      credentialsSecret: id(receiver.credentialsSecret),
      authenticator: id(receiver.authenticator.function),
      reconciler: id(receiver.reconciler.function),
      schedule: ofType('AWS::Events::Rule').find(([, r]) => refersTo(r.Properties.Targets, id(receiver.reconciler.function)))![0],
      api: id((receiver.api ?? receiver.httpApi)!),
    },
  };
}

const all = variants().flatMap((v) =>
  v.stacks.flatMap(({ stack, template, receivers }) => receivers.map((receiver) => ({ label: `${v.name}: ${receiver.name}`, stack, receiver, template }))),
);
const cases = all.map((c) => [c.label, c] as const);

/** Can CloudWatch deliver an alarm of this stack (each one) to its alarm topic? */
function alarmsReachTheTopic(m: ReturnType<typeof model>): Decision[] {
  return m.alarmArns.flatMap((alarm) => {
    const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarm };
    return [
      m.can(m.cloudwatch, 'sns:Publish', m.ids.alarmTopic, context),
      m.can(m.cloudwatch, 'kms:GenerateDataKey', m.ids.key, context),
      m.can(m.cloudwatch, 'kms:Decrypt', m.ids.key, context),
    ];
  });
}

describe.each(cases)('resource and key policies, read as IAM would (%s)', (_label, { stack, receiver, template }) => {
  const m = model(stack, receiver, template);

  test('CloudWatch can publish every alarm of this stack to the encrypted alarm topic', () => {
    // 19 alarms; the Marketplace receiver of the embedded variant sets quietAlarmHours: one more (PicPayQuiet).
    expect(m.alarmArns).toHaveLength(receiver.name === 'Payments-Marketplace' ? 20 : 19);
    expect(new Set(alarmsReachTheTopic(m))).toEqual(new Set(['Allow']));
  });

  test("CloudWatch cannot publish another stack's or another account's alarms there, nor anything to the event topic", () => {
    const foreign = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:SomeOtherStack-DeadLetterQueueNotEmpty` };
    expect(m.can(m.cloudwatch, 'sns:Publish', m.ids.alarmTopic, foreign)).toBe('ImplicitDeny');
    const otherAccount = { 'aws:SourceAccount': '210987654321', 'aws:SourceArn': m.alarmArns[0]!.replace(ACCOUNT, '210987654321') };
    expect(m.can(m.cloudwatch, 'sns:Publish', m.ids.alarmTopic, otherAccount)).toBe('ImplicitDeny');
    expect(m.can(m.cloudwatch, 'sns:Publish', m.ids.eventTopic, { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': m.alarmArns[0]! })).toBe('ExplicitDeny');
    expect(m.can(m.cloudwatch, 'sns:Subscribe', m.ids.alarmTopic, { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': m.alarmArns[0]! })).toBe('ImplicitDeny');
  });

  test('the processor can publish to the event topic with the key; the other functions cannot', () => {
    expect(m.can(m.roles.processor, 'sns:Publish', m.ids.eventTopic)).toBe('Allow');
    expect(m.can(m.roles.processor, 'kms:GenerateDataKey', m.ids.key)).toBe('Allow');
    expect(m.can(m.roles.processor, 'kms:Decrypt', m.ids.key)).toBe('Allow');
    expect(m.can(m.roles.processor, 'sns:Publish', m.ids.alarmTopic)).toBe('ImplicitDeny');
    for (const other of [m.roles.authenticator, m.roles.reconciler]) {
      expect(m.can(other, 'sns:Publish', m.ids.eventTopic)).toBe('ExplicitDeny');
      expect(m.can(other, 'kms:GenerateDataKey', m.ids.key)).toBe('ImplicitDeny');
    }
  });

  test('the authenticator and the reconciler can enqueue; the processor consumes; nobody else touches the queues', () => {
    expect(m.can(m.roles.authenticator, 'sqs:SendMessage', m.ids.queue)).toBe('Allow');
    expect(m.can(m.roles.reconciler, 'sqs:SendMessage', m.ids.queue)).toBe('Allow');
    expect(m.can(m.roles.processor, 'sqs:ReceiveMessage', m.ids.queue)).toBe('Allow');
    expect(m.can(m.roles.processor, 'sqs:DeleteMessage', m.ids.queue)).toBe('Allow');
    expect(m.can(m.roles.processor, 'sqs:SendMessage', m.ids.queue)).toBe('ExplicitDeny');
    expect(m.can({ anonymous: true }, 'sqs:SendMessage', m.ids.queue)).toBe('ExplicitDeny');
    expect(m.can(m.cloudwatch, 'sqs:SendMessage', m.ids.dlq)).toBe('ImplicitDeny');
  });

  /** A role of the account, not the stack's, whose identity policy allows everything on the service. */
  const accountRole = (name: string, service: string) => ({
    principal: { arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, account: ACCOUNT },
    identity: [{ Statement: [{ Effect: 'Allow' as const, Action: `${service}:*`, Resource: '*' }] }],
  });

  test('only the front door writes: another role of the account, even with sqs:* on everything, cannot enqueue', () => {
    const intruder = accountRole('SomeDeveloper', 'sqs');
    expect(m.can(intruder, 'sqs:SendMessage', m.ids.queue)).toBe('ExplicitDeny');
    // (SendMessageBatch has no IAM action of its own: it is authorized as sqs:SendMessage.)
    // A session of a listed role is the role: aws:PrincipalArn is the role's ARN either way.
    expect(m.can(m.roles.authenticator, 'sqs:SendMessage', m.ids.queue)).toBe('Allow');
    expect(m.can(m.roles.reconciler, 'sqs:SendMessage', m.ids.queue)).toBe('Allow');
    for (const other of [m.roles.processor, m.roles.sweeper]) expect(m.can(other, 'sqs:SendMessage', m.ids.queue)).toBe('ExplicitDeny');
    // The account's root user is a principal like any other here.
    expect(m.can({ principal: { arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT }, identity: intruder.identity }, 'sqs:SendMessage', m.ids.queue)).toBe(
      'ExplicitDeny',
    );
    // Receiving is another matter: the deny is about writing only.
    expect(m.can(intruder, 'sqs:ReceiveMessage', m.ids.queue)).toBe('Allow');
  });

  test(`an operator's role sends (DLQ and parked replays) only when listed in operatorRoleArns${RECEIVERS_WITH_OPERATOR.includes(receiver.name) ? ' (listed here)' : ' (not here)'}`, () => {
    const operator = { principal: { arn: OPERATOR_ROLE_ARN, account: ACCOUNT }, identity: accountRole('x', 'sqs').identity };
    expect(m.can(operator, 'sqs:SendMessage', m.ids.queue)).toBe(RECEIVERS_WITH_OPERATOR.includes(receiver.name) ? 'Allow' : 'ExplicitDeny');
    // The same name under another path is another role.
    const elsewhere = { ...operator, principal: { arn: OPERATOR_ROLE_ARN.replace('/ops/', '/'), account: ACCOUNT } };
    expect(m.can(elsewhere, 'sqs:SendMessage', m.ids.queue)).toBe('ExplicitDeny');
  });

  test('only the processor and the outbox sweeper publish charge events: another role of the account with sns:* cannot', () => {
    for (const publisher of [m.roles.processor, m.roles.sweeper]) {
      expect(m.can(publisher, 'sns:Publish', m.ids.eventTopic)).toBe('Allow');
      expect(m.can(publisher, 'kms:GenerateDataKey', m.ids.key)).toBe('Allow');
    }
    const intruder = accountRole('SomeDeveloper', 'sns');
    expect(m.can(intruder, 'sns:Publish', m.ids.eventTopic)).toBe('ExplicitDeny');
    for (const other of [m.roles.authenticator, m.roles.reconciler]) expect(m.can(other, 'sns:Publish', m.ids.eventTopic)).toBe('ExplicitDeny');
    // Subscribing (the merchant's consumers) is not what this guards.
    expect(m.can(intruder, 'sns:Subscribe', m.ids.eventTopic)).toBe('Allow');
  });

  test(`an operator's role publishes (events replay --to-topic) only when listed in operatorRoleArns${RECEIVERS_WITH_OPERATOR.includes(receiver.name) ? ' (listed here)' : ' (not here)'}`, () => {
    const operator = { principal: { arn: OPERATOR_ROLE_ARN, account: ACCOUNT }, identity: accountRole('x', 'sns').identity };
    expect(m.can(operator, 'sns:Publish', m.ids.eventTopic)).toBe(RECEIVERS_WITH_OPERATOR.includes(receiver.name) ? 'Allow' : 'ExplicitDeny');
    const elsewhere = { ...operator, principal: { arn: OPERATOR_ROLE_ARN.replace('/ops/', '/'), account: ACCOUNT } };
    expect(m.can(elsewhere, 'sns:Publish', m.ids.eventTopic)).toBe('ExplicitDeny');
  });

  // Who reads which secret (docs/security.md): the tokens secret (inbound) by the authenticator,
  // the PicPay credentials secret (outbound, can refund) by the processor; the operators listed in
  // operatorRoleArns and CloudFormation's execution role both; nobody else in the account.
  const listed = RECEIVERS_WITH_OPERATOR.includes(receiver.name);
  const READ = 'secretsmanager:GetSecretValue';

  test('the authenticator reads the tokens secret and cannot read the PicPay credentials; the processor the reverse', () => {
    expect(m.can(m.roles.authenticator, READ, m.ids.tokensSecret)).toBe('Allow');
    expect(m.can(m.roles.authenticator, READ, m.ids.credentialsSecret)).toBe('ExplicitDeny');
    expect(m.can(m.roles.processor, READ, m.ids.credentialsSecret)).toBe('Allow');
    expect(m.can(m.roles.processor, READ, m.ids.tokensSecret)).toBe('ExplicitDeny');
    // The reconciler only enqueues checks (the processor asks PicPay); the sweeper only publishes.
    for (const other of [m.roles.reconciler, m.roles.sweeper]) {
      expect(m.can(other, READ, m.ids.tokensSecret)).toBe('ExplicitDeny');
      expect(m.can(other, READ, m.ids.credentialsSecret)).toBe('ExplicitDeny');
    }
  });

  test('another role of the account, even with secretsmanager:* on everything, reads neither secret; nor does the root user or an anonymous caller', () => {
    const intruder = accountRole('SomeDeveloper', 'secretsmanager');
    const root = { principal: { arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT }, identity: intruder.identity };
    for (const secret of [m.ids.tokensSecret, m.ids.credentialsSecret]) {
      expect(m.can(intruder, READ, secret)).toBe('ExplicitDeny');
      expect(m.can(root, READ, secret)).toBe('ExplicitDeny');
      expect(m.can({ anonymous: true }, READ, secret)).toBe('ExplicitDeny');
      expect(m.can({ service: 'lambda.amazonaws.com' }, READ, secret)).toBe('ExplicitDeny');
    }
  });

  test('nobody is locked out: whoever the account lets manage a secret still writes it, and can replace or remove its policy', () => {
    const intruder = accountRole('SomeAdministrator', 'secretsmanager');
    const root = { principal: { arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT }, identity: intruder.identity };
    for (const who of [intruder, root]) {
      for (const secret of [m.ids.tokensSecret, m.ids.credentialsSecret]) {
        for (const action of [
          'secretsmanager:PutSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:PutResourcePolicy',
          'secretsmanager:DeleteResourcePolicy',
        ])
          expect([action, m.can(who, action, secret)]).toEqual([action, 'Allow']);
      }
    }
  });

  test(`an operator's role reads both secrets only when listed in operatorRoleArns${listed ? ' (listed here)' : ' (not here)'}`, () => {
    const operator = { principal: { arn: OPERATOR_ROLE_ARN, account: ACCOUNT }, identity: accountRole('x', 'secretsmanager').identity };
    for (const secret of [m.ids.tokensSecret, m.ids.credentialsSecret]) {
      expect(m.can(operator, READ, secret)).toBe(listed ? 'Allow' : 'ExplicitDeny');
      // The policy only denies: a listed role still needs an identity policy that allows it.
      expect(m.can({ principal: operator.principal, identity: [] }, READ, secret)).toBe(listed ? 'ImplicitDeny' : 'ExplicitDeny');
      // The same name under another path is another role.
      expect(m.can({ ...operator, principal: { arn: OPERATOR_ROLE_ARN.replace('/ops/', '/'), account: ACCOUNT } }, READ, secret)).toBe('ExplicitDeny');
    }
  });

  test("CloudFormation's execution role (the default bootstrap's) may read both secrets while it deploys; another qualifier's may not", () => {
    const execRole = (qualifier: string) => ({
      principal: { arn: `arn:aws:iam::${ACCOUNT}:role/cdk-${qualifier}-cfn-exec-role-${ACCOUNT}-${REGION}`, account: ACCOUNT },
      identity: [{ Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] }],
    });
    for (const secret of [m.ids.tokensSecret, m.ids.credentialsSecret]) {
      expect(m.can(execRole('hnb659fds'), READ, secret)).toBe('Allow');
      expect(m.can(execRole('other1234'), READ, secret)).toBe('ExplicitDeny');
    }
  });

  test('the key serves CloudWatch for this stack’s alarms in this account only', () => {
    const context = (account: string, alarm: string) => ({
      'aws:SourceAccount': account,
      'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${account}:alarm:${alarm}`,
    });
    expect(m.can(m.cloudwatch, 'kms:GenerateDataKey', m.ids.key, context(ACCOUNT, `${receiver.name}-DeadLetterQueueNotEmpty`))).toBe('Allow');
    expect(m.can(m.cloudwatch, 'kms:GenerateDataKey', m.ids.key, context(ACCOUNT, 'SomeOtherStack-Alarm'))).toBe('ImplicitDeny');
    expect(m.can(m.cloudwatch, 'kms:Decrypt', m.ids.key, context('210987654321', `${receiver.name}-DeadLetterQueueNotEmpty`))).toBe('ImplicitDeny');
    expect(m.can(m.cloudwatch, 'kms:Decrypt', m.ids.key)).toBe('ImplicitDeny');
  });

  test('only AWS services create grants on the key (CT.KMS.PR.3): a role of the account with kms:* cannot, a grant for an AWS resource can be made', () => {
    const admin = accountRole('SomeAdministrator', 'kms');
    expect(m.can(admin, 'kms:Decrypt', m.ids.key)).toBe('Allow');
    expect(m.can(admin, 'kms:CreateGrant', m.ids.key)).toBe('ExplicitDeny');
    expect(m.can(admin, 'kms:CreateGrant', m.ids.key, { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' })).toBe('ExplicitDeny');
    expect(m.can(admin, 'kms:CreateGrant', m.ids.key, { 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' })).toBe('Allow');
  });

  test('the processor can hold a message back on the processing queue (its retry delay); not on the DLQ, and nobody else can', () => {
    expect(m.can(m.roles.processor, 'sqs:ChangeMessageVisibility', m.ids.queue)).toBe('Allow');
    expect(m.can(m.roles.processor, 'sqs:ChangeMessageVisibility', m.ids.dlq)).toBe('ImplicitDeny');
    expect(m.can(m.roles.processor, 'sqs:ChangeMessageVisibilityBatch', m.ids.dlq)).toBe('ImplicitDeny');
    expect(m.can(m.roles.processor, 'sqs:ReceiveMessage', m.ids.dlq)).toBe('ImplicitDeny');
    for (const other of [m.roles.authenticator, m.roles.reconciler]) {
      for (const queue of [m.ids.queue, m.ids.dlq]) expect(m.can(other, 'sqs:ChangeMessageVisibility', queue)).toBe('ImplicitDeny');
    }
    expect(m.can({ anonymous: true }, 'sqs:ChangeMessageVisibility', m.ids.queue)).toBe('ImplicitDeny');
  });

  test('API Gateway may invoke the authenticator from this API of this account only, for its three routes; the schedule, the reconciler', () => {
    // REST (AWS::ApiGateway::Stage) or HTTP API (AWS::ApiGatewayV2::Stage): execute-api ARNs are <api>/<stage>/<method>/<path>.
    const stage = Object.values(m.template.Resources).find(
      (r) =>
        (r.Type === 'AWS::ApiGateway::Stage' || r.Type === 'AWS::ApiGatewayV2::Stage') &&
        JSON.stringify(r.Properties.RestApiId ?? r.Properties.ApiId) === JSON.stringify({ Ref: m.ids.api }),
    )!.Properties.StageName as string;
    const apiArn = (api: string, path = '/webhook') => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api}/${stage}/POST${path}`;
    const apigateway = { service: 'apigateway.amazonaws.com' };
    const invoke = (sourceArn: string, sourceAccount = ACCOUNT) =>
      m.can(apigateway, 'lambda:InvokeFunction', m.ids.authenticator, { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount });
    expect(invoke(apiArn(m.ids.api))).toBe('Allow');
    // The permissions name the account (SourceAccount, CT.LAMBDA.PR.2): an API of another account is refused however its ARN reads.
    expect(invoke(apiArn(m.ids.api), '210987654321')).toBe('ImplicitDeny');
    expect(invoke(apiArn(m.ids.api, '/callback'))).toBe('Allow');
    expect(invoke(apiArn(m.ids.api, '/charges'))).toBe('Allow');
    expect(invoke(apiArn(m.ids.api, '/other'))).toBe('ImplicitDeny');
    expect(invoke(apiArn('someoneElsesApi'))).toBe('ImplicitDeny');
    const events = { service: 'events.amazonaws.com' };
    const schedule = { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${m.ids.schedule}`, 'aws:SourceAccount': ACCOUNT };
    expect(m.can(events, 'lambda:InvokeFunction', m.ids.reconciler, schedule)).toBe('Allow');
    expect(m.can(events, 'lambda:InvokeFunction', m.ids.reconciler, { ...schedule, 'aws:SourceAccount': '210987654321' })).toBe('ImplicitDeny');
    expect(m.can(events, 'lambda:InvokeFunction', m.ids.authenticator, schedule)).toBe('ImplicitDeny');
  });

  test('nobody can publish or enqueue without TLS: not CloudWatch, not the functions, not the account itself', () => {
    const everyone: Array<Principal | { principal: Principal; identity: PolicyDocument[] }> = [
      m.cloudwatch,
      m.roles.authenticator,
      m.roles.processor,
      m.roles.reconciler,
      { principal: { arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT }, identity: [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }] },
      { anonymous: true },
    ];
    const plain = { 'aws:SecureTransport': 'false', 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': m.alarmArns[0]! };
    for (const who of everyone) {
      for (const topic of [m.ids.alarmTopic, m.ids.eventTopic]) expect(m.can(who, 'sns:Publish', topic, plain)).toBe('ExplicitDeny');
      for (const queue of [m.ids.queue, m.ids.dlq]) expect(m.can(who, 'sqs:SendMessage', queue, plain)).toBe('ExplicitDeny');
    }
  });

  test('no policy statement allows a principal the stack does not use', () => {
    const granted = new Set<string>();
    for (const [target, docs] of m.resourcePolicies) {
      for (const doc of docs) {
        for (const s of doc.Statement) {
          if (s.Effect !== 'Allow') continue;
          const principals = s.Principal === '*' ? ['*'] : Object.entries(s.Principal ?? {}).flatMap(([k, v]) => [v].flat().map((p) => `${k}:${p}`));
          for (const p of principals) granted.add(`${m.template.Resources[target]!.Type} ${p}`);
        }
      }
    }
    expect([...granted].sort()).toEqual(
      [
        // the key's administrators: the account, through its IAM policies (CDK's default key policy)
        `AWS::KMS::Key AWS:arn:aws:iam::${ACCOUNT}:root`,
        'AWS::KMS::Key Service:cloudwatch.amazonaws.com',
        'AWS::SNS::Topic Service:cloudwatch.amazonaws.com',
        'AWS::Lambda::Function Service:apigateway.amazonaws.com',
        'AWS::Lambda::Function Service:events.amazonaws.com',
        // encryptLogs: CloudWatch Logs of this region uses the log key
        ...(STACKS_ENCRYPTING_LOGS.includes(stack.stackName) ? [`AWS::KMS::Key Service:logs.${REGION}.amazonaws.com`] : []),
      ].sort(),
    );
  });
});

describe('two receivers in one stack, read as IAM would: neither reaches the other', () => {
  const [loja, marketplace] = all.filter((c) => c.stack.stackName === 'Payments').map((c) => model(c.stack, c.receiver, c.template));

  test.each([
    ['Loja', 'Marketplace'],
    ['Marketplace', 'Loja'],
  ])("%s's functions cannot enqueue to, publish on or read the secrets of %s", (from) => {
    const [mine, theirs] = from === 'Loja' ? [loja!, marketplace!] : [marketplace!, loja!];
    // Each function's own grants still hold (the same check the per-receiver cases make), so a Deny below is the other's policy, not a broken model.
    expect(mine.can(mine.roles.authenticator, 'sqs:SendMessage', mine.ids.queue)).toBe('Allow');
    expect(mine.can(mine.roles.authenticator, 'sqs:SendMessage', theirs.ids.queue)).toBe('ExplicitDeny');
    expect(mine.can(mine.roles.reconciler, 'sqs:SendMessage', theirs.ids.queue)).toBe('ExplicitDeny');
    expect(mine.can(mine.roles.processor, 'sns:Publish', theirs.ids.eventTopic)).toBe('ExplicitDeny');
    expect(mine.can(mine.roles.sweeper, 'sns:Publish', theirs.ids.eventTopic)).toBe('ExplicitDeny');
    expect(mine.can(mine.roles.authenticator, 'secretsmanager:GetSecretValue', theirs.ids.tokensSecret)).toBe('ExplicitDeny');
    expect(mine.can(mine.roles.processor, 'secretsmanager:GetSecretValue', theirs.ids.credentialsSecret)).toBe('ExplicitDeny');
  });

  test("one receiver's alarms cannot publish to the other's alarm topic", () => {
    const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': loja!.alarmArns[0]! };
    expect(loja!.can(loja!.cloudwatch, 'sns:Publish', loja!.ids.alarmTopic, context)).toBe('Allow');
    expect(loja!.can(loja!.cloudwatch, 'sns:Publish', marketplace!.ids.alarmTopic, context)).not.toBe('Allow');
    expect(loja!.can(loja!.cloudwatch, 'kms:GenerateDataKey', marketplace!.ids.key, context)).not.toBe('Allow');
  });
});

describe('the policy check can fail', () => {
  test('planted bug: without the CloudWatch Allow on the alarm topic (what enforceSSL alone leaves), no alarm reaches anyone', () => {
    const { stack, receiver, template } = all[0]!;
    const broken = structuredClone(template) as unknown as Template;
    const alarmTopic = stack.getLogicalId(receiver.monitoring.alarmTopic.node.defaultChild as never);
    for (const r of Object.values(broken.Resources)) {
      if (r.Type !== 'AWS::SNS::TopicPolicy' || !JSON.stringify(r.Properties.Topics).includes(alarmTopic)) continue;
      const doc = r.Properties.PolicyDocument as { Statement: Array<{ Principal?: unknown }> };
      doc.Statement = doc.Statement.filter((s) => !JSON.stringify(s.Principal).includes('cloudwatch'));
    }
    const decisions = alarmsReachTheTopic(model(stack, receiver, broken as unknown as Record<string, unknown>));
    expect(decisions.filter((_, i) => i % 3 === 0)).toEqual(Array(19).fill('ImplicitDeny'));
    expect(new Set(alarmsReachTheTopic(model(stack, receiver, template)))).toEqual(new Set(['Allow']));
  });

  test("planted bug: without the front door's Deny statements (TLS-only, as before), any role of the account with sqs:* or sns:* writes", () => {
    const { stack, receiver, template } = all[0]!;
    const broken = structuredClone(template) as unknown as Template;
    for (const r of Object.values(broken.Resources)) {
      if (r.Type !== 'AWS::SNS::TopicPolicy' && r.Type !== 'AWS::SQS::QueuePolicy') continue;
      const doc = r.Properties.PolicyDocument as { Statement: Array<{ Sid?: string }> };
      doc.Statement = doc.Statement.filter((s) => s.Sid !== 'OnlyTheFrontDoorEnqueues' && s.Sid !== 'OnlyTheProcessorAndTheSweeperPublish');
    }
    const intruder = (service: string) => ({
      principal: { arn: `arn:aws:iam::${ACCOUNT}:role/SomeDeveloper`, account: ACCOUNT },
      identity: [{ Statement: [{ Effect: 'Allow' as const, Action: `${service}:*`, Resource: '*' }] }],
    });
    const [before, after] = [model(stack, receiver, template), model(stack, receiver, broken as unknown as Record<string, unknown>)];
    expect(after.can(intruder('sqs'), 'sqs:SendMessage', after.ids.queue)).toBe('Allow');
    expect(after.can(intruder('sns'), 'sns:Publish', after.ids.eventTopic)).toBe('Allow');
    expect(before.can(intruder('sqs'), 'sqs:SendMessage', before.ids.queue)).toBe('ExplicitDeny');
    expect(before.can(intruder('sns'), 'sns:Publish', before.ids.eventTopic)).toBe('ExplicitDeny');
  });
});

describe('the secrets check can fail', () => {
  test("planted bug: without the secrets' Deny statements, any role of the account with secretsmanager:* reads the PicPay credentials", () => {
    const { stack, receiver, template } = all[0]!;
    const broken = structuredClone(template) as unknown as Template;
    for (const r of Object.values(broken.Resources)) {
      if (r.Type !== 'AWS::SecretsManager::ResourcePolicy') continue;
      const doc = r.Properties.ResourcePolicy as { Statement: Array<{ Sid?: string }> };
      doc.Statement = doc.Statement.filter((s) => !s.Sid?.startsWith('OnlyThe'));
    }
    const intruder = {
      principal: { arn: `arn:aws:iam::${ACCOUNT}:role/SomeDeveloper`, account: ACCOUNT },
      identity: [{ Statement: [{ Effect: 'Allow' as const, Action: 'secretsmanager:*', Resource: '*' }] }],
    };
    const [before, after] = [model(stack, receiver, template), model(stack, receiver, broken as unknown as Record<string, unknown>)];
    expect(after.can(intruder, 'secretsmanager:GetSecretValue', after.ids.credentialsSecret)).toBe('Allow');
    expect(before.can(intruder, 'secretsmanager:GetSecretValue', before.ids.credentialsSecret)).toBe('ExplicitDeny');
  });
});

describe('the evaluator follows the IAM documentation on small cases', () => {
  const role: Principal = { arn: `arn:aws:iam::${ACCOUNT}:role/r`, account: ACCOUNT };
  const allowAll: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'sns:*', Resource: '*' }] };
  const req = (principal: Principal, context: Record<string, string> = {}) => ({
    principal,
    action: 'sns:Publish',
    resource: 'arn:aws:sns:sa-east-1:123456789012:t',
    context,
  });

  test('same account: the identity policy is enough when the resource policy is silent', () => {
    expect(evaluate(req(role), { resource: [], identity: [allowAll] })).toBe('Allow');
    expect(evaluate(req(role), { resource: [], identity: [] })).toBe('ImplicitDeny');
  });

  test('a service principal needs an Allow in the resource policy; conditions must hold', () => {
    const cw: Principal = { service: 'cloudwatch.amazonaws.com' };
    const policy: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: '*',
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:*:*:alarm:A-*' } },
        },
      ],
    };
    expect(evaluate(req(cw, { 'aws:SourceArn': 'arn:aws:cloudwatch:sa-east-1:1:alarm:A-x' }), { resource: [policy], identity: [] })).toBe('Allow');
    expect(evaluate(req(cw, { 'aws:SourceArn': 'arn:aws:cloudwatch:sa-east-1:1:alarm:B-x' }), { resource: [policy], identity: [] })).toBe('ImplicitDeny');
    expect(evaluate(req(cw), { resource: [policy], identity: [] })).toBe('ImplicitDeny');
  });

  test('an explicit Deny wins over every Allow', () => {
    const deny: PolicyDocument = {
      Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
    };
    expect(evaluate(req(role, { 'aws:SecureTransport': 'false' }), { resource: [deny], identity: [allowAll] })).toBe('ExplicitDeny');
    expect(evaluate(req(role, { 'aws:SecureTransport': 'true' }), { resource: [deny], identity: [allowAll] })).toBe('Allow');
  });

  test('BoolIfExists: as Bool when the request carries the key, true when it does not', () => {
    const deny: PolicyDocument = {
      Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } }],
    };
    expect(evaluate(req(role, { 'aws:SecureTransport': 'false' }), { resource: [deny], identity: [allowAll] })).toBe('ExplicitDeny');
    expect(evaluate(req(role, { 'aws:SecureTransport': 'true' }), { resource: [deny], identity: [allowAll] })).toBe('Allow');
    expect(evaluate(req(role), { resource: [deny], identity: [allowAll] })).toBe('ExplicitDeny');
  });

  test('a key policy must delegate to the account before identity policies count', () => {
    const kmsAllow: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
    const kmsReq = { ...req(role), action: 'kms:Decrypt' };
    const rootOnly: PolicyDocument = { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    expect(evaluate(kmsReq, { resource: [rootOnly], identity: [kmsAllow], isKeyPolicy: true })).toBe('Allow');
    expect(evaluate(kmsReq, { resource: [], identity: [kmsAllow], isKeyPolicy: true })).toBe('ImplicitDeny');
  });

  test('Fn::Sub (string form) resolves pseudo parameters and references; an attribute it refuses', () => {
    const { resolve } = resolver({ Resources: { R: { Type: 'AWS::IAM::Role' } } });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template string
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x-${AWS::Region}-${R}' })).toBe(
      `arn:aws:iam::${ACCOUNT}:role/x-${REGION}-R`,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template string
    expect(() => resolve({ 'Fn::Sub': '${R.Arn}' })).toThrow('R.Arn');
  });

  test('it refuses what it does not understand instead of guessing', () => {
    const odd: PolicyDocument = {
      Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } }],
    };
    expect(() => evaluate(req(role), { resource: [odd], identity: [] })).toThrow('DateGreaterThan');
  });
});

describe('the evaluator reads principal conditions and negated operators as the IAM documentation does', () => {
  const role = (name: string): { arn: string; account: string } => ({ arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, account: ACCOUNT });
  const sqsAll: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] };
  const send = (principal: Principal, context: Record<string, string> = {}) => ({
    principal,
    action: 'sqs:SendMessage',
    resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q`,
    context,
  });
  const onlyFor = (operator: string, ...arns: string[]): PolicyDocument => ({
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: '*', Condition: { [operator]: { 'aws:PrincipalArn': arns } } }],
  });

  test('aws:PrincipalArn is the calling role’s own ARN; a request cannot claim another', () => {
    const deny = onlyFor('ArnNotEquals', role('front').arn);
    expect(evaluate(send(role('front')), { resource: [deny], identity: [sqsAll] })).toBe('Allow');
    expect(evaluate(send(role('other')), { resource: [deny], identity: [sqsAll] })).toBe('ExplicitDeny');
    expect(evaluate(send(role('other'), { 'aws:PrincipalArn': role('front').arn }), { resource: [deny], identity: [sqsAll] })).toBe('ExplicitDeny');
  });

  test('a negated operator holds when the key matches none of the values', () => {
    const deny = onlyFor('ArnNotEquals', role('a').arn, role('b').arn);
    expect(evaluate(send(role('a')), { resource: [deny], identity: [sqsAll] })).toBe('Allow');
    expect(evaluate(send(role('b')), { resource: [deny], identity: [sqsAll] })).toBe('Allow');
    expect(evaluate(send(role('c')), { resource: [deny], identity: [sqsAll] })).toBe('ExplicitDeny');
    const strings = onlyFor('StringNotEquals', role('a').arn);
    expect(evaluate(send(role('a')), { resource: [strings], identity: [sqsAll] })).toBe('Allow');
    expect(evaluate(send(role('c')), { resource: [strings], identity: [sqsAll] })).toBe('ExplicitDeny');
  });

  test('a negated operator holds when the request has no such key: anonymous and service-principal requests carry no aws:PrincipalArn', () => {
    const allowAll: PolicyDocument = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }] };
    for (const operator of ['ArnNotEquals', 'StringNotEquals']) {
      const deny = onlyFor(operator, role('a').arn);
      expect(evaluate(send({ anonymous: true }), { resource: [deny, allowAll], identity: [] })).toBe('ExplicitDeny');
      expect(evaluate(send({ service: 'sns.amazonaws.com' }), { resource: [deny, allowAll], identity: [] })).toBe('ExplicitDeny');
      expect(evaluate(send({ anonymous: true }), { resource: [allowAll], identity: [] })).toBe('Allow');
    }
  });

  test('ARN operators match component by component, wildcards within a component only, case-sensitively', () => {
    const allow = (operator: string, pattern: string): PolicyDocument => ({
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*', Condition: { [operator]: { 'aws:SourceArn': pattern } } }],
    });
    const from = (arn: string) =>
      evaluate(send({ service: 'sns.amazonaws.com' }, { 'aws:SourceArn': arn }), { resource: [allow('ArnLike', 'arn:aws:sns:*:*:t-*')], identity: [] });
    expect(from(`arn:aws:sns:${REGION}:${ACCOUNT}:t-1`)).toBe('Allow');
    expect(from(`arn:aws:sns:${REGION}:${ACCOUNT}:T-1`)).toBe('ImplicitDeny');
    // The region's wildcard cannot swallow the account's colon: the ARN has a component too few.
    expect(
      evaluate(send({ service: 'sns.amazonaws.com' }, { 'aws:SourceArn': `arn:aws:sns:${REGION}:t-1` }), {
        resource: [allow('ArnLike', 'arn:aws:sns:*:t-*')],
        identity: [],
      }),
    ).toBe('ImplicitDeny');
    // ArnEquals takes wildcards as ArnLike does.
    expect(
      evaluate(send({ service: 'sns.amazonaws.com' }, { 'aws:SourceArn': `arn:aws:sns:${REGION}:${ACCOUNT}:t-1` }), {
        resource: [allow('ArnEquals', 'arn:aws:sns:*:*:t-*')],
        identity: [],
      }),
    ).toBe('Allow');
  });
});
