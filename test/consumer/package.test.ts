import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The consumer kit as a package (docs/events.md, "Consumer kit"): each `exports` entry names
 * JavaScript and declarations that `npm run build:kit` (tsconfig.kit.json, run by `prepare`, so
 * an install from git builds it) emits from a source file it compiles, and the packed files
 * include them. Written by hand: the entries a consumer imports.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string; default: string } | string>;
  files: string[];
  scripts: Record<string, string>;
};
const kit = JSON.parse(readFileSync(join(root, 'tsconfig.kit.json'), 'utf8')) as { include: string[]; compilerOptions: { outDir: string } };

test('the kit exports the parser, the subscriber construct and the receiver construct, and nothing else of the repository', () => {
  expect(Object.keys(pkg.exports)).toEqual(['./events', './subscriber', './construct', './package.json']);
});

test.each([
  ['./events', 'lambda/consumer/events.ts'],
  ['./subscriber', 'lib/subscriber.ts'],
  ['./construct', 'lib/construct.ts'],
])('%s is built from %s into dist/, with its types', (entry, source) => {
  const target = pkg.exports[entry] as { types: string; default: string };
  const base = `./${kit.compilerOptions.outDir}/${source.replace(/\.ts$/, '')}`;
  expect(target).toEqual({ types: `${base}.d.ts`, default: `${base}.js` });
  expect(kit.include).toContain(source);
  expect(existsSync(join(root, source))).toBe(true);
});

test('an install from git builds the kit (prepare), and packs dist/', () => {
  expect(pkg.scripts.prepare).toContain('build:kit');
  expect(pkg.scripts['build:kit']).toBe('tsc -p tsconfig.kit.json');
  expect(pkg.files).toContain(kit.compilerOptions.outDir);
});
