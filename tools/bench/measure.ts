/** Small statistics helpers for the benchmark. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Counts an SDK client's commands (and DynamoDB capacity units) through its middleware stack. */
export function countCommands(client: unknown, options: { consumedCapacity?: boolean } = {}) {
  const counts = new Map<string, number>();
  let capacity = { read: 0, write: 0 };
  (client as { middlewareStack: { add: (mw: unknown, opts: unknown) => void } }).middlewareStack.add(
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const name = context.commandName ?? 'unknown';
        counts.set(name, (counts.get(name) ?? 0) + 1);
        if (options.consumedCapacity) args.input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const consumed = result.output.ConsumedCapacity as { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined;
        if (consumed) {
          const units = consumed.CapacityUnits ?? 0;
          if (/Get|Query|Scan/.test(name)) capacity.read += units;
          else capacity.write += units;
        }
        return result;
      },
    { step: 'initialize', name: `bench-count-${Math.random()}` },
  );
  return {
    snapshot: () => ({ counts: new Map(counts), capacity: { ...capacity } }),
    reset() {
      counts.clear();
      capacity = { read: 0, write: 0 };
    },
  };
}
