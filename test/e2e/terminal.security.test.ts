/**
 * Security: what `npm start` and the CLI print reaches an operator's terminal. A value PicPay (or
 * anyone holding a token) sent, a status text or a Payment Link transaction id, may hold control
 * characters: a newline forges an `[event]` line, an escape sequence clears the screen or retitles
 * the window. Every print site goes through one helper that shows them as `\uXXXX`.
 */
import { jest } from '@jest/globals';
import { describeCharge } from '../../cli/charge.js';
import { consoleIo } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { terminalSafe } from '../../cli/terminal.js';
import type { ChargeState } from '../../lambda/domain/charge.js';
import { eventLine } from '../../local/event-line.js';

/** No C0 (newline included), DEL or C1 character: what a line may hold once printed. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function capture(stream: NodeJS.WriteStream) {
  const written: string[] = [];
  const spy = jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  }) as never);
  return { written, restore: () => spy.mockRestore() };
}

describe('security: terminalSafe, written out by hand', () => {
  test.each([
    ['an escape sequence', '\u001b[2J', '\\u001b[2J'],
    ['a newline', 'a\nb', 'a\\u000ab'],
    ['a carriage return', 'a\rb', 'a\\u000db'],
    ['a tab', 'a\tb', 'a\\u0009b'],
    ['NUL', '\u0000', '\\u0000'],
    ['the last C0', '\u001f', '\\u001f'],
    ['DEL', '\u007f', '\\u007f'],
    ['the 8-bit CSI (C1)', '\u009b2J', '\\u009b2J'],
    ['the last C1', '\u009f', '\\u009f'],
    ['an OSC window title', '\u001b]0;pwned\u0007', '\\u001b]0;pwned\\u0007'],
  ])('%s is shown, not obeyed', (_name, raw, shown) => {
    expect(terminalSafe(raw)).toBe(shown);
  });

  test.each([
    ['plain text', 'legacy#102030  CREATED → PAID'],
    ['accents and symbols', 'ação ∅ → R$ 10,00 — ok'],
    ['a no-break space (first after C1)', 'a\u00a0b'],
    ['a tilde (last before DEL)', 'a~b'],
    ['an emoji', 'pago \ud83d\ude00'],
  ])('%s is left as it is', (_name, text) => {
    expect(terminalSafe(text)).toBe(text);
  });
});

describe('security: the CLI prints no control character a value carried', () => {
  test('every line written through the console is made safe, and ends in one newline', () => {
    const out = capture(process.stdout);
    const err = capture(process.stderr);
    try {
      consoleIo.out('status PAID\n[event] forged\u001b[2J');
      consoleIo.err('x\u009b31m');
    } finally {
      out.restore();
      err.restore();
    }
    expect(out.written).toEqual(['status PAID\\u000a[event] forged\\u001b[2J\n']);
    expect(err.written).toEqual(['x\\u009b31m\n']);
  });

  test('`charge`: a status text with a newline and an escape cannot forge a line or clear the screen', () => {
    const state = {
      chargeKey: 'checkout#order-1',
      status: 'PAID',
      rawStatus: 'PAID\n[event] checkout#order-2  ∅ → PAID\u001b[2J',
      amounts: null,
      authorizationId: 'auth\u001b]0;title\u0007',
      threeDs: null,
      createdAt: '2024-07-01T19:00:05.000Z',
      updatedAt: '2024-07-01T19:00:05.000Z',
      outbox: [],
      history: [],
    } as unknown as ChargeState;
    const out = capture(process.stdout);
    try {
      for (const line of describeCharge(state)) consoleIo.out(line);
    } finally {
      out.restore();
    }
    const printed = out.written.join('');
    // One newline per line written, and no other control character anywhere.
    expect(printed.split('\n').length - 1).toBe(out.written.length);
    expect(printed.replace(/\n/g, '')).not.toMatch(CONTROL);
    expect(printed).toContain('(PicPay: PAID\\u000a[event] checkout#order-2  ∅ → PAID\\u001b[2J)');
  });

  test('an unknown command echoed back is made safe (the whole path from runCli to stderr)', async () => {
    const err = capture(process.stderr);
    let code: number;
    try {
      code = await runCli(['\u001b[2Jevil\nline']);
    } finally {
      err.restore();
    }
    expect(code).toBe(2);
    const printed = err.written.join('');
    expect(printed).toContain('Unknown command "\\u001b[2Jevil\\u000aline".');
    expect(printed.replace(/\n/g, '')).not.toMatch(CONTROL);
  });
});

describe('security: `npm start` prints each published event on one safe line', () => {
  test('a Payment Link transaction id with a newline cannot forge an [event] line', () => {
    const line = eventLine({
      body: {
        chargeKey: 'paymentLink#tx-1\n[event] paymentLink#tx-2  ∅ → PAID  transitionId=forged',
        previousStatus: null,
        status: 'PAID',
        transitionId: 't-1\u001b[2J',
      },
      attributes: {},
    });
    expect(line).toBe('[event] paymentLink#tx-1\\u000a[event] paymentLink#tx-2  ∅ → PAID  transitionId=forged  ∅ → PAID  transitionId=t-1\\u001b[2J');
  });

  test('a 3DS status with a C1 control is shown escaped', () => {
    const line = eventLine({
      body: { type: 'picpay.charge.three_ds_updated', chargeKey: 'checkout#c-1', threeDs: { status: 'Approved\u009b2J' }, transitionId: 't-2' },
      attributes: {},
    });
    expect(line).not.toMatch(CONTROL);
    expect(line).toBe('[event] checkout#c-1  3DS "Approved\\u009b2J"  transitionId=t-2');
  });
});
