/**
 * Mutation testing only (jest.mutate.config.js): a property that fails stops at its first
 * counterexample instead of shrinking it. A mutant is killed either way; shrinking would only
 * spend minutes finding the smallest example of a bug planted on purpose.
 */
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
