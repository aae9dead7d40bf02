/**
 * How many cases each domain property test generates: 300 in `npm test`; fewer under mutation
 * testing (test/mutate-setup.support.ts sets PROPERTY_RUNS), where each of ~1,300 mutants runs them and
 * the decision tables already check every cell deterministically.
 */
export const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
