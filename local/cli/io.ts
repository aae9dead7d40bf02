import cliProgress from 'cli-progress';

/** Where a command writes: the terminal, or a buffer in tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Show progress bars (only on an interactive terminal). */
  readonly interactive: boolean;
}

export const consoleIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: process.stderr.isTTY === true,
};

/** A progress bar on stderr for long runs; a no-op when not interactive. */
export function progress(io: Io, total: number, label: string) {
  if (!io.interactive || total < 2) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}
