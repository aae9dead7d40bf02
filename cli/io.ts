import cliProgress from 'cli-progress';
import { terminalSafe } from './terminal.js';

/**
 * Where a command writes: the terminal, or a buffer in tests. One call is one line: the console
 * escapes every control character in it, a newline too (cli/terminal.ts).
 */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Show progress bars (only on an interactive terminal). */
  readonly interactive: boolean;
}

// `picpay-webhooks parked list | head`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

export const consoleIo: Io = {
  out: (line) => process.stdout.write(`${terminalSafe(line)}\n`),
  err: (line) => process.stderr.write(`${terminalSafe(line)}\n`),
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

/**
 * Replays items one by one: `send` puts the copy back into processing and `remove` deletes
 * the original only after the send succeeded, so nothing is lost on a failure. A progress bar
 * on a terminal, a summary at the end; exit status 1 if anything failed or was not found.
 */
export async function replayEach<T>(
  items: readonly T[],
  notFound: number,
  io: Io,
  step: { id: (item: T) => string; send: (item: T) => Promise<unknown>; remove: (item: T) => Promise<unknown>; staysIn: string },
): Promise<number> {
  const bar = progress(io, items.length, 'Replaying');
  let replayed = 0;
  let failed = 0;
  for (const item of items) {
    try {
      await step.send(item);
      await step.remove(item);
      replayed++;
    } catch (error) {
      failed++;
      io.err(`Could not replay ${step.id(item)}: ${(error as Error).message} (it stays ${step.staysIn})`);
    }
    bar.tick();
  }
  bar.stop();
  io.out(`Replayed ${replayed}, failed ${failed}, not found ${notFound}.`);
  return failed > 0 || notFound > 0 ? 1 : 0;
}
