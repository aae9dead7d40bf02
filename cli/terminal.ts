/**
 * What the CLI and `npm start` print reaches an operator's terminal, and some of it came from
 * outside: a status text, an id, a header PicPay (or anyone holding a token) sent. A control
 * character there is obeyed by the terminal: a newline forges a line, an escape sequence clears
 * the screen or sets the window title. Every print site passes its line through `terminalSafe`.
 */

/**
 * One line as a terminal may show it: every control character (C0, newline and tab included;
 * DEL; C1) written as a visible `\uXXXX`. Text of several lines is printed line by line.
 */
export function terminalSafe(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes.
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text of several lines we wrote ourselves (help, pretty JSON), one line at a time. */
export function eachLine(text: string, print: (line: string) => void): void {
  for (const line of text.split('\n')) print(line);
}
