/**
 * Where tests live (docs/testing.md): a TypeScript file under test/ is a test (`*.test.ts`) or
 * test support (`*.support.ts`: fixtures, builders, helpers, setup), so no helper can be taken
 * for a production module; and every domain module with boundary tests (`X-edges.test.ts`, the
 * cases mutation testing showed unguarded) has its tests from the specification (`X.test.ts`).
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(root, { recursive: true, encoding: 'utf-8' }).map((f) => relative(root, join(root, f)).split('\\').join('/'));

test('every TypeScript file under test/ is a test or test support', () => {
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.support.ts'))).toEqual([]);
});

test('every X-edges.test.ts under test/domain sits beside its X.test.ts', () => {
  const edges = files.filter((f) => /^domain\/.+-edges\.test\.ts$/.test(f));
  expect(edges.length).toBeGreaterThan(0);
  expect(edges.filter((f) => !files.includes(f.replace(/-edges\.test\.ts$/, '.test.ts')))).toEqual([]);
});
