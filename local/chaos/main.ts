/**
 * `npm run chaos [-- --charges N --notifications N --duplicates 0.3 --enqueue-failures 0.05
 *  --picpay-failures 0.1 --publish-failures 0.02 --crash-rate 0.02 --seed N --concurrency N]`
 */
import { parseArgs } from 'node:util';
import { consoleIo } from '../cli/io.js';
import { DEFAULT_CHAOS, formatReport, passed, runChaos, type ChaosOptions } from './run.js';

const flags: Array<[keyof ChaosOptions, string]> = [
  ['charges', 'charges'],
  ['notifications', 'notifications'],
  ['duplicates', 'duplicates'],
  ['enqueueFailures', 'enqueue-failures'],
  ['picpayFailures', 'picpay-failures'],
  ['publishFailures', 'publish-failures'],
  ['crashRate', 'crash-rate'],
  ['seed', 'seed'],
  ['concurrency', 'concurrency'],
  ['processorConcurrency', 'processor-concurrency'],
];
const { values } = parseArgs({ options: Object.fromEntries(flags.map(([, flag]) => [flag, { type: 'string' as const }])) });
const options = { ...DEFAULT_CHAOS } as Record<keyof ChaosOptions, number>;
for (const [key, flag] of flags) {
  const raw = (values as Record<string, string | undefined>)[flag];
  if (raw === undefined) continue;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a non-negative number`);
  options[key] = n;
}
const report = await runChaos(options as ChaosOptions, consoleIo);
for (const line of formatReport(report)) console.log(line);
process.exit(passed(report) ? 0 : 1);
