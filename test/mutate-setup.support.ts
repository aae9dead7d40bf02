/**
 * Mutation testing only (jest.mutate.config.js). A property that fails stops at its first
 * counterexample instead of shrinking it (a mutant is killed either way; shrinking would spend
 * minutes on the smallest example of a bug planted on purpose), and each property generates 60
 * cases instead of 300 (see test/property-runs.support.ts).
 */
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
process.env.PROPERTY_RUNS ??= '60';
