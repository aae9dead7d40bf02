/**
 * `npm run docs:settings`: writes docs/settings.md, the table of every setting, generated from
 * their one definition (lambda/settings.ts). A test fails if the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FUNCTION_SETTINGS, propOf, SETTING_RULES, SETTINGS, type Setting, type SettingKey } from '../lambda/settings.js';

export const SETTINGS_DOC_PATH = fileURLToPath(new URL('../docs/settings.md', import.meta.url));
export const SETTINGS_DOC_COMMAND = 'npm run docs:settings';

const cell = (text: string) => text.replaceAll('|', '\\|');
const code = (value: Setting['default']) => (value === undefined ? '(none)' : `\`${String(value)}\``);

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function contextRow(key: SettingKey): string[] {
  const setting: Setting = SETTINGS[key];
  const prop = propOf(key);
  const also = [
    prop === null ? 'not a prop: it names the stack (the construct takes `name`)' : `prop \`${prop}\``,
    setting.env === undefined ? '' : `env \`${setting.env}\`${setting.envRule ? ` (${setting.envRule.expected} there: ${setting.envRule.why})` : ''}`,
  ].filter(Boolean);
  return [`\`${key}\``, code(setting.default), setting.expected, setting.description, also.join('; ')];
}

export function settingsDoc(): string {
  const keys = Object.keys(SETTINGS) as SettingKey[];
  const lines = [
    '# Settings',
    '',
    `<!-- Generated from lambda/settings.ts by \`${SETTINGS_DOC_COMMAND}\`: edit the definition, not this file. -->`,
    '',
    'Every setting is defined once, in `lambda/settings.ts`; this page is generated from it.',
    '',
    '## Deploy-time settings',
    '',
    'CDK context keys: in `cdk.json` under `context`, or per command with `-c key=value`. They are',
    'validated at synth time, and a bad value stops the synth with an error naming its key. The',
    'props of the `PicPayWebhooks` construct (docs/construct.md) take the same values, checked by',
    'the same rules (the error names the receiver and the prop).',
    'Some reach the functions as an environment variable, checked again at cold start.',
    '',
    ...table(
      ['key', 'default', 'allowed values', 'what it does', 'construct prop, function environment'],
      keys.map((key) => contextRow(key)),
    ),
    '',
    'Rules across keys:',
    '',
    ...Object.values(SETTING_RULES).map((rule) => `- ${rule.doc}`),
    '',
    'Every synth also runs the cdk-nag AWS Solutions and Serverless rule packs. Any finding not',
    'acknowledged in the code, with its reason, fails the synth.',
    '',
    'For example, a production deploy with alarms by e-mail and WAF on:',
    '',
    '```bash',
    'npx cdk deploy -c alarmEmail=ops@sualoja.com.br -c enableWaf=true',
    '```',
    '',
    '## Function settings',
    '',
    "Environment variables only: the stack sets them to their default (or leaves them unset, which means the default). Each function checks them at cold start; a bad value fails its init with the variable's name.",
    '',
    ...table(
      ['variable', 'default', 'allowed values', 'what it does'],
      Object.values(FUNCTION_SETTINGS).map((setting: Setting & { env: string }) => [
        `\`${setting.env}\``,
        code(setting.default),
        setting.expected,
        setting.description,
      ]),
    ),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SETTINGS_DOC_PATH, settingsDoc());
  console.log(`wrote ${SETTINGS_DOC_PATH}`);
}
