/**
 * A small evaluator of AWS policies, written from the IAM documentation ("Policy evaluation
 * logic", "IAM JSON policy elements"), to read a synthesized template the way AWS will:
 *
 * - an explicit Deny in any applicable policy wins;
 * - otherwise an Allow in the resource's policy, or (for a principal of this account) in the
 *   principal's identity policies, allows;
 * - a KMS key policy is the exception: identity policies count only when the key policy
 *   allows the account (`arn:aws:iam::<account>:root`);
 * - a service principal has no identity policy: only the resource policy can allow it;
 * - a role's requests carry its ARN as aws:PrincipalArn (and aws:PrincipalAccount); anonymous
 *   and service-principal requests carry neither, and a negated operator (ArnNotEquals,
 *   StringNotEquals) holds on a key the request does not carry;
 * - otherwise the request is implicitly denied.
 *
 * It is independent of CDK: it only reads the template. Anything it does not understand (a
 * condition operator, NotPrincipal) throws, so a test cannot pass by misreading a policy.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'sa-east-1';
export const PARTITION = 'aws';

type Json = unknown;
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, Json> }> };

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Record<string, string | string[]>;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Statement: readonly Statement[];
}

export type Principal = { readonly service: string } | { readonly arn: string; readonly account: string } | { readonly anonymous: true };

export interface Request {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  /** Request context keys, e.g. aws:SecureTransport, aws:SourceAccount, aws:SourceArn. */
  readonly context: Readonly<Record<string, string>>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** Resolves the intrinsics a policy uses to the ARNs AWS would see (fixed account and region). */
export function resolver(template: Template) {
  const arnOf = (id: string): string => {
    const r = template.Resources[id];
    if (!r) throw new Error(`No resource ${id}`);
    const [, service, kind] = r.Type.split('::').map((s) => s.toLowerCase());
    switch (r.Type) {
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${id}`;
      case 'AWS::SQS::Queue':
        return `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${id}`;
      case 'AWS::KMS::Key':
        return `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${id}`;
      case 'AWS::IAM::Role':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${id}`;
      case 'AWS::Lambda::Function':
        return `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${id}`;
      case 'AWS::DynamoDB::Table':
        return `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
      case 'AWS::Logs::LogGroup':
        return `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
      case 'AWS::Events::Rule':
        return `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:rule/${id}`;
      default:
        return `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${kind}/${id}`;
    }
  };
  const ref = (id: string): string => {
    const pseudo: Record<string, string> = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': PARTITION, 'AWS::URLSuffix': 'amazonaws.com' };
    if (id in pseudo) return pseudo[id]!;
    const r = template.Resources[id];
    if (!r) throw new Error(`Ref to nothing: ${id}`);
    if (r.Type === 'AWS::SNS::Topic' || r.Type === 'AWS::SecretsManager::Secret') return arnOf(id);
    if (r.Type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
    if (r.Type === 'AWS::ApiGateway::Stage') return r.Properties!.StageName as string;
    return id;
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, Json>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const v = o[k];
      if (k === 'Ref') return ref(v as string);
      if (k === 'Fn::GetAtt') {
        const [id, attr] = v as [string, string];
        if (attr === 'Arn') return arnOf(id);
        if (attr === 'QueueName' || attr === 'TopicName') return id;
        throw new Error(`GetAtt ${id}.${attr} not understood`);
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = v as [string, Json[]];
        return parts.map((p) => String(resolve(p))).join(sep);
      }
      // The string form of Fn::Sub: ${AWS::…} pseudo parameters and ${LogicalId} references.
      if (k === 'Fn::Sub' && typeof v === 'string') {
        return v.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name.includes('.')) throw new Error(`Fn::Sub attribute ${name} not understood`);
          return ref(name);
        });
      }
      if (k.startsWith('Fn::')) throw new Error(`${k} not understood`);
    }
    return Object.fromEntries(keys.map((k) => [k, resolve(o[k])]));
  };
  return { resolve, arnOf, ref };
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM wildcard match: `*` any run, `?` one character. */
function like(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseInsensitive ? 'i' : '',
  );
  return re.test(value);
}

/**
 * ArnEquals and ArnLike (and their negations) compare an ARN component by component: the six
 * colon-delimited parts each match on their own, wildcards allowed in any (IAM JSON policy
 * elements, "Amazon Resource Name (ARN) condition operators").
 */
function arnLike(pattern: string, value: string): boolean {
  const parts = (arn: string) => {
    const p = arn.split(':');
    return p.length < 6 ? null : [...p.slice(0, 5), p.slice(5).join(':')];
  };
  const [want, got] = [parts(pattern), parts(value)];
  return want !== null && got !== null && want.every((w, i) => like(w, got[i]!));
}

function principalMatches(statement: Statement, principal: Principal): 'yes' | 'account' | 'no' {
  if (statement.NotPrincipal !== undefined) throw new Error('NotPrincipal not understood');
  const p = statement.Principal;
  if (p === undefined) throw new Error(`A resource policy statement without Principal: ${JSON.stringify(statement)}`);
  if (p === '*') return 'yes';
  for (const [type, values] of Object.entries(p)) {
    for (const v of list(values)) {
      if (type === 'Service' && 'service' in principal && v === principal.service) return 'yes';
      if (type === 'AWS') {
        if (v === '*') return 'yes';
        if ('arn' in principal) {
          if (v === principal.arn) return 'yes';
          // The account (root or bare id) delegates to the account's IAM policies.
          if (v === `arn:${PARTITION}:iam::${principal.account}:root` || v === principal.account) return 'account';
        }
      } else if (type !== 'Service' && type !== 'AWS') throw new Error(`Principal type ${type} not understood`);
    }
  }
  return 'no';
}

function conditionsHold(statement: Statement, context: Readonly<Record<string, string>>): boolean {
  for (const [operator, clauses] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(clauses)) {
      const actual = context[key];
      const values = list(expected as string | string[]).map(String);
      let holds: boolean;
      switch (operator) {
        case 'Bool':
          holds = actual !== undefined && values.some((v) => v.toLowerCase() === actual.toLowerCase());
          break;
        // ...IfExists: as without it when the request carries the key, true when it does not.
        case 'BoolIfExists':
          holds = actual === undefined || values.some((v) => v.toLowerCase() === actual.toLowerCase());
          break;
        case 'StringEquals':
          holds = actual !== undefined && values.includes(actual);
          break;
        case 'StringLike':
          holds = actual !== undefined && values.some((v) => like(v, actual));
          break;
        case 'ArnEquals':
        case 'ArnLike':
          holds = actual !== undefined && values.some((v) => arnLike(v, actual));
          break;
        // A negated operator holds when the key matches none of the values, and when the request
        // does not carry the key at all ("Condition operators": "If the key ... is not present,
        // the condition is true" for StringNotEquals, ArnNotEquals and the like).
        case 'StringNotEquals':
          holds = actual === undefined || !values.includes(actual);
          break;
        case 'ArnNotEquals':
        case 'ArnNotLike':
          holds = actual === undefined || !values.some((v) => arnLike(v, actual));
          break;
        default:
          throw new Error(`Condition operator ${operator} not understood`);
      }
      if (!holds) return false;
    }
  }
  return true;
}

function applies(statement: Statement, action: string, resource: string, context: Readonly<Record<string, string>>): boolean {
  const actionOk =
    statement.Action !== undefined ? list(statement.Action).some((a) => like(a, action, true)) : !list(statement.NotAction).some((a) => like(a, action, true));
  const resourceOk =
    statement.Resource !== undefined
      ? list(statement.Resource).some((r) => like(r, resource))
      : statement.NotResource !== undefined
        ? !list(statement.NotResource).some((r) => like(r, resource))
        : false;
  return actionOk && resourceOk && conditionsHold(statement, context);
}

export interface Policies {
  /** The resource's own policy (topic policy, queue policy, key policy, function permissions). */
  readonly resource: readonly PolicyDocument[];
  /** The principal's identity policies (empty for a service principal). */
  readonly identity: readonly PolicyDocument[];
  /** A KMS key policy: identity policies count only through an account grant in it. */
  readonly isKeyPolicy?: boolean;
}

/**
 * The request context keys that come from the principal itself, not from the request
 * ("AWS global condition context keys"): aws:PrincipalArn is a role's own ARN (for a session of
 * an assumed role too) and aws:PrincipalAccount its account. Anonymous requests and requests a
 * service makes with its service principal carry neither. The caller cannot override them.
 */
function principalKeys(principal: Principal): Record<string, string> {
  return 'arn' in principal ? { 'aws:PrincipalArn': principal.arn, 'aws:PrincipalAccount': principal.account } : {};
}

export function evaluate(request: Request, policies: Policies): Decision {
  const { principal, action, resource } = request;
  const context = { ...request.context, ...principalKeys(principal) };
  let resourceAllows = false;
  let accountDelegates = false;
  for (const doc of policies.resource) {
    for (const s of doc.Statement) {
      const who = principalMatches(s, principal);
      if (who === 'no' || !applies(s, action, resource, context)) continue;
      if (s.Effect === 'Deny') return 'ExplicitDeny';
      if (who === 'yes') resourceAllows = true;
      else accountDelegates = true;
    }
  }
  let identityAllows = false;
  for (const doc of policies.identity) {
    for (const s of doc.Statement) {
      if (!applies(s, action, resource, context)) continue;
      if (s.Effect === 'Deny') return 'ExplicitDeny';
      identityAllows = true;
    }
  }
  if (resourceAllows) return 'Allow';
  const sameAccount = 'arn' in principal && principal.account === ACCOUNT;
  if (policies.isKeyPolicy) return accountDelegates && identityAllows ? 'Allow' : 'ImplicitDeny';
  return sameAccount && identityAllows ? 'Allow' : 'ImplicitDeny';
}
