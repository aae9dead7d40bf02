/**
 * `npm run chaos [-- --charges N --notifications N --duplicates 0.3 --enqueue-failures 0.05
 *  --picpay-failures 0.1 --publish-failures 0.02 --crash-rate 0.02 --seed N --concurrency N
 *  --processor-concurrency N --abandoned N --reconcile-max-per-run N --sns-outage-ms N
 *  --picpay-outage-hours N --time-scale N --forged N --no-confirm]`
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { consoleIo } from '../../cli/io.js';
import { DEFAULT_CHAOS, formatReport, passed, runChaos, type ChaosOptions } from './run.js';

type NumericOption = Exclude<keyof ChaosOptions, 'confirm'>;
const flags: Array<[NumericOption, string]> = [
  ['charges', 'charges'],
  ['notifications', 'notifications'],
  ['duplicates', 'duplicates'],
  ['enqueueFailures', 'enqueue-failures'],
  ['picpayFailures', 'picpay-failures'],
  ['staleReads', 'stale-reads'],
  ['publishFailures', 'publish-failures'],
  ['crashRate', 'crash-rate'],
  ['seed', 'seed'],
  ['concurrency', 'concurrency'],
  ['processorConcurrency', 'processor-concurrency'],
  ['abandoned', 'abandoned'],
  ['reconcileMaxPerRun', 'reconcile-max-per-run'],
  ['snsOutageMs', 'sns-outage-ms'],
  ['picpayOutageHours', 'picpay-outage-hours'],
  ['timeScale', 'time-scale'],
  ['forged', 'forged'],
];
const { values } = parseArgs({
  options: { ...Object.fromEntries(flags.map(([, flag]) => [flag, { type: 'string' as const }])), 'no-confirm': { type: 'boolean' as const } },
});
const options: Record<NumericOption, number> & { confirm: boolean } = { ...DEFAULT_CHAOS, confirm: values['no-confirm'] !== true };
for (const [key, flag] of flags) {
  const raw = (values as Record<string, string | undefined>)[flag];
  if (raw === undefined) continue;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a non-negative number`);
  options[key] = n;
}
const report = await runChaos(options, consoleIo);
const lines = formatReport(report);
for (const line of lines) console.log(line);
// The default run is the published one: docs/chaos.md keeps its latest figures.
if ([...flags.map(([, flag]) => flag), 'no-confirm'].every((flag) => (values as Record<string, unknown>)[flag] === undefined)) {
  const m = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString().slice(0, 10) };
  writeFileSync(
    fileURLToPath(new URL('../../docs/chaos.md', import.meta.url)),
    `# Chaos suite: latest run\n\n\`npm run chaos\` on ${m.date}: ${m.cores} × ${m.cpu}, Node ${m.node}. What it does: docs/testing.md, "Chaos suite and benchmark".\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n\nReproduce with \`npm run chaos\` (flags: \`--charges --notifications --duplicates --enqueue-failures --picpay-failures --publish-failures --crash-rate --seed --concurrency --processor-concurrency --abandoned --reconcile-max-per-run --sns-outage-ms --picpay-outage-hours --time-scale --forged --stale-reads --no-confirm\`).\n`,
  );
}
process.exit(passed(report) ? 0 : 1);
