import { formatReport, passed, runChaos, DEFAULT_CHAOS } from '../../local/chaos/run.js';

const savedEnv = { ...process.env };
afterAll(() => {
  process.env = savedEnv;
});

test('chaos (small): nothing lost, no wrong final state, no regression, no transition missing from SNS', async () => {
  const report = await runChaos(
    { ...DEFAULT_CHAOS, charges: 60, notifications: 600, seed: Number(process.env.CHAOS_SEED ?? 2026) },
    { out: () => undefined, err: () => undefined, interactive: false },
  );
  console.log(formatReport(report).join('\n'));
  // The faults really happened, or the zeros below prove nothing.
  expect(report.injected.enqueue).toBeGreaterThan(0);
  expect(report.attempts).toBeGreaterThan(report.sent);
  expect(report.lostAtSender).toBe(0);
  expect(report.lostInPipeline).toBe(0);
  expect(report.wrongFinalState).toBe(0);
  expect(report.regressions).toBe(0);
  expect(report.transitionsMissingFromSns).toBe(0);
  expect(passed(report)).toBe(true);
}, 180_000);
