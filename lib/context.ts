import { RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { fromContextValue, propOf, SETTING_RULES, SETTINGS, type SettingKey, settingProblem } from '../lambda/settings.js';
import type { PicPayWebhooksStackProps } from './stack.js';

/**
 * Stack settings from CDK context (`cdk.json` or `-c key=value`), validated at synth time
 * against their definition (lambda/settings.ts, listed in docs/settings.md): a bad value stops
 * the synth with an error naming its key.
 */
export interface ContextReader {
  tryGetContext(key: string): unknown;
}

/** One key's value, checked and of its setting's type; undefined when absent or empty. */
function readSetting(ctx: ContextReader, key: SettingKey): unknown {
  const raw = ctx.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const setting = SETTINGS[key];
  const value = fromContextValue(setting, raw);
  const problem = settingProblem(setting, value);
  if (problem) throw new Error(`Context key "${key}" ${problem}, got ${JSON.stringify(raw)}`);
  return value;
}

/** The stack's name (context key stackName): it names the stack, its API, metrics, alarms and dashboard. */
export function stackNameFromContext(ctx: ContextReader): string {
  return (readSetting(ctx, 'stackName') as string | undefined) ?? SETTINGS.stackName.default;
}

/** A setting's value as its prop takes it, where the types differ. */
const AS_PROP: Partial<Record<SettingKey, (value: unknown) => unknown>> = {
  logRetentionDays: (days) => days as logs.RetentionDays,
  removalPolicy: (policy) => (policy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN),
  operatorRoleArns: (arns) => (arns as string).split(','),
};

export function stackPropsFromContext(ctx: ContextReader): PicPayWebhooksStackProps {
  const values: Partial<Record<SettingKey, unknown>> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    if (propOf(key) === null) continue;
    const value = readSetting(ctx, key);
    if (value !== undefined) values[key] = value;
  }

  if (SETTING_RULES.wafNeedsRest.broken(values as { enableWaf?: boolean; apiType?: string })) {
    throw new Error(
      `Context key "enableWaf" cannot be true with apiType "http": ${SETTING_RULES.wafNeedsRest.why}. Use apiType=rest for WAF, or enableWaf=false`,
    );
  }
  if ((values.domainName === undefined) !== (values.certificateArn === undefined)) {
    throw new Error('Context keys "domainName" and "certificateArn" go together: set both or neither');
  }

  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values) as Array<[SettingKey, unknown]>) {
    const [prop, member] = (propOf(key) ?? key).split('.');
    const asProp = AS_PROP[key]?.(value) ?? value;
    if (member === undefined) props[prop!] = asProp;
    else props[prop!] = { ...(props[prop!] as object | undefined), [member]: asProp };
  }
  return props as PicPayWebhooksStackProps;
}
