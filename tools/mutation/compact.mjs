/**
 * Rewrites Stryker's incremental results (test/mutation/stryker-incremental.json) in a canonical
 * form, so that a run which changes a few mutants changes a few lines of the committed file
 * (docs/testing.md, "Mutation results in git").
 *
 * Stryker writes the file as pretty JSON, numbers every mutant and test afresh on each run and
 * keeps each failure's stack trace: any run rewrote the whole file (8.6 MB, ~314,000 lines).
 * Stryker reads it back (IncrementalDiffer in @stryker-mutator/core) by what identifies a result,
 * never by its id: a mutant by file, location, mutator and replacement; a test by file, position
 * and name; ids only link a mutant to its tests inside one file. So here:
 *
 * - a test's id is a hash of its file and name, a mutant's a hash of file, location, mutator and
 *   replacement: the same result keeps the same id from run to run;
 * - files, mutants (by location) and tests (by position) are sorted; one mutant, one test per line;
 * - statusReason keeps its first line (the assertion or error; the stack trace named a temporary
 *   sandbox that changes on every run); Stryker only copies it into the report;
 * - a killed mutant keeps the tests that killed it and drops the list of tests that cover it:
 *   Stryker reuses a killed result when one of its killing tests still covers it, and counts
 *   those tests as covering it anyway; every other status keeps its full coverage, which decides
 *   whether it is re-run (a new covering test re-runs a survivor);
 * - the machine's project root and the resolved options are dropped (stryker.config.mjs holds them).
 *
 * Usage: node tools/mutation/compact.mjs [file]   (the default is the committed file)
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const RESULTS_FILE = 'test/mutation/stryker-incremental.json';

const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byPosition = (a, b) => a.line - b.line || a.column - b.column;

/**
 * Short ids from hashes: 6 base64url characters (36 bits), longer only where two keys share a
 * prefix, so each id is unique in the file and depends only on its own key in practice.
 */
function shortIds(keys) {
  const digests = new Map(keys.map((key) => [key, createHash('sha256').update(key).digest('base64url')]));
  const ids = new Map();
  for (let length = 6; ids.size < keys.length; length++) {
    const counts = new Map();
    for (const [key, digest] of digests) if (!ids.has(key)) counts.set(digest.slice(0, length), (counts.get(digest.slice(0, length)) ?? 0) + 1);
    const taken = new Set(ids.values());
    for (const [key, digest] of digests) {
      const id = digest.slice(0, length);
      if (!ids.has(key) && counts.get(id) === 1 && !taken.has(id)) ids.set(key, id);
    }
  }
  return ids;
}

const location = ({ start, end }) =>
  end
    ? { start: { line: start.line, column: start.column }, end: { line: end.line, column: end.column } }
    : { start: { line: start.line, column: start.column } };

/** The canonical report: a plain object whose key order is the order written. */
export function canonical(report) {
  // Tests: the same name twice in one file (rare) is told apart by its order in the file.
  const testIds = new Map(); // old id -> new id
  const testKeys = [];
  const testFiles = Object.entries(report.testFiles ?? {})
    .sort(([a], [b]) => byText(a, b))
    .map(([fileName, file]) => {
      const seen = new Map();
      const tests = [...file.tests]
        .sort((a, b) => byPosition(a.location?.start ?? { line: 0, column: 0 }, b.location?.start ?? { line: 0, column: 0 }) || byText(a.name, b.name))
        .map((test) => {
          const n = (seen.get(test.name) ?? 0) + 1;
          seen.set(test.name, n);
          const key = `${fileName}\n${test.name}${n > 1 ? `\n#${n}` : ''}`;
          testKeys.push(key);
          return { key, test };
        });
      return { fileName, file, tests };
    });
  const testIdByKey = shortIds(testKeys);
  for (const { tests } of testFiles) for (const { key, test } of tests) testIds.set(test.id, testIdByKey.get(key));
  // An id that names no test is dropped, as Stryker drops it when it reads the file.
  const mapTests = (ids) => [...new Set((ids ?? []).map((id) => testIds.get(id)).filter((id) => id !== undefined))].sort(byText);

  const mutantKey = (fileName, m) => {
    const { start, end } = m.location;
    return `${fileName}@${start.line}:${start.column}-${end.line}:${end.column}\n${m.mutatorName}: ${m.replacement ?? m.mutatorName}`;
  };
  const files = Object.entries(report.files)
    .sort(([a], [b]) => byText(a, b))
    .map(([fileName, file]) => ({
      fileName,
      file,
      mutants: [...file.mutants].sort(
        (a, b) =>
          byPosition(a.location.start, b.location.start) ||
          byPosition(a.location.end, b.location.end) ||
          byText(a.mutatorName, b.mutatorName) ||
          byText(a.replacement ?? '', b.replacement ?? ''),
      ),
    }));
  const mutantIds = shortIds(files.flatMap(({ fileName, mutants }) => mutants.map((m) => mutantKey(fileName, m))));

  const mutant = (fileName, m) => {
    const out = { id: mutantIds.get(mutantKey(fileName, m)), mutatorName: m.mutatorName };
    if (m.replacement !== undefined) out.replacement = m.replacement;
    out.location = location(m.location);
    out.status = m.status;
    const reason = m.statusReason?.split('\n')[0].trim();
    if (reason) out.statusReason = reason;
    if (m.static !== undefined) out.static = m.static;
    if (m.testsCompleted !== undefined) out.testsCompleted = m.testsCompleted;
    if (m.killedBy?.length) out.killedBy = mapTests(m.killedBy);
    if (m.status !== 'Killed' && m.status !== 'Ignored' && m.coveredBy !== undefined) out.coveredBy = mapTests(m.coveredBy);
    return out;
  };

  const result = { schemaVersion: report.schemaVersion, thresholds: report.thresholds };
  if (report.framework) {
    const { name, version, dependencies } = report.framework;
    result.framework = { name, version, dependencies };
  }
  result.files = Object.fromEntries(
    files.map(({ fileName, file, mutants }) => [fileName, { language: file.language, source: file.source, mutants: mutants.map((m) => mutant(fileName, m)) }]),
  );
  result.testFiles = Object.fromEntries(
    testFiles.map(({ fileName, file, tests }) => {
      const out = {};
      if (file.source !== undefined) out.source = file.source;
      out.tests = tests.map(({ key, test }) => {
        const t = { id: testIdByKey.get(key), name: test.name };
        if (test.location) t.location = location(test.location);
        return t;
      });
      return [fileName, out];
    }),
  );
  return result;
}

/** JSON with one mutant and one test per line, two-space indentation above them. */
export function format(report) {
  const lines = ['{'];
  const top = Object.entries(report);
  top.forEach(([key, value], i) => {
    const comma = i < top.length - 1 ? ',' : '';
    if (key === 'files' || key === 'testFiles') {
      const items = key === 'files' ? 'mutants' : 'tests';
      lines.push(`  ${JSON.stringify(key)}: {`);
      const entries = Object.entries(value);
      entries.forEach(([fileName, file], j) => {
        lines.push(`    ${JSON.stringify(fileName)}: {`);
        for (const [k, v] of Object.entries(file)) if (k !== items) lines.push(`      ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
        lines.push(`      ${JSON.stringify(items)}: [`);
        for (const [n, item] of file[items].entries()) lines.push(`        ${JSON.stringify(item)}${n < file[items].length - 1 ? ',' : ''}`);
        lines.push('      ]');
        lines.push(`    }${j < entries.length - 1 ? ',' : ''}`);
      });
      lines.push(`  }${comma}`);
    } else {
      lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}${comma}`);
    }
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function compactFile(path = RESULTS_FILE) {
  const before = readFileSync(path, 'utf-8');
  const after = format(canonical(JSON.parse(before)));
  if (after !== before) writeFileSync(path, after);
  return { before: Buffer.byteLength(before), after: Buffer.byteLength(after), changed: after !== before };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = process.argv[2] ?? RESULTS_FILE;
  const { before, after } = compactFile(path);
  console.log(`${path}: ${before} -> ${after} bytes, canonical`);
}
