/**
 * `npm run mutate [-- stryker options]`: runs Stryker (stryker.config.mjs), then rewrites the
 * incremental results it wrote in their canonical form (compact.mjs), whether the run passed,
 * failed its threshold or was interrupted (Stryker then saves the results it has). The exit
 * code is Stryker's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compactFile, RESULTS_FILE } from './compact.mjs';

const stryker = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin/stryker.js');
// Ctrl-C reaches Stryker too; this process waits for it to save its results, then compacts them.
process.on('SIGINT', () => {});
const run = spawnSync(process.execPath, [stryker, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
if (existsSync(RESULTS_FILE)) {
  const { before, after } = compactFile(RESULTS_FILE);
  console.log(`${RESULTS_FILE}: ${before} -> ${after} bytes, canonical (docs/testing.md)`);
}
process.exit(run.status ?? 1);
