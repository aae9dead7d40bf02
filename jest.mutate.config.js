/**
 * The tests that guard lambda/domain, for mutation testing (stryker.config.mjs): the domain
 * suites, which run without AWS emulators, so each mutant is judged in seconds.
 */
import base from './jest.config.js';

export default { ...base, roots: ['<rootDir>/test/domain'], setupFiles: ['<rootDir>/test/mutate-setup.support.ts'] };
