import { jest } from '@jest/globals';

/** Captures what the handlers write to stdout/stderr (Powertools logs), without echoing it. */
export function captureOutput() {
  const lines: string[] = [];
  const grab = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(grab as never);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(grab as never);
  return {
    lines,
    text: () => lines.join(''),
    /** Parsed JSON log entries. */
    entries: () =>
      lines
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    clear: () => void lines.splice(0),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
