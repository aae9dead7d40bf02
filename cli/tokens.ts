import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PLACEHOLDER } from '../lambda/adapters/tokens-secret.js';
import type { Io } from './io.js';
import { CliError, type Clients, type Target } from './target.js';

/**
 * `tokens`: the PicPay tokens and credentials go into the two secrets from a prompt that does
 * not echo (or from a file or stdin, for automation), never from a command line, where they
 * would stay in the shell history and be visible to `ps`. Nothing this module prints contains a
 * token byte: only the names, and how many values each holds.
 */

/** Which secret each value belongs in (docs/security.md, "Who reads which secret"). */
export const TOKEN_KEYS = {
  sellerToken: 'tokens',
  checkoutToken: 'tokens',
  picpayToken: 'credentials',
  picpayClientId: 'credentials',
  picpayClientSecret: 'credentials',
} as const;
export type TokenKey = keyof typeof TOKEN_KEYS;
const KEYS = Object.keys(TOKEN_KEYS) as TokenKey[];
/** The inbound tokens can hold a list while PicPay switches over (rotation). */
const ROTATABLE: readonly TokenKey[] = ['sellerToken', 'checkoutToken'];

const PROMPTS: Record<TokenKey, string> = {
  sellerToken: 'x-seller-token (legacy callbacks; Enter to skip)',
  checkoutToken: 'checkout token Painel Lojista showed when you saved the URL (Enter to skip)',
  picpayToken: 'x-picpay-token (legacy status reads; Enter to skip)',
  picpayClientId: 'checkout API client id (optional; Enter to skip)',
  picpayClientSecret: 'checkout API client secret (optional; Enter to skip)',
};

/**
 * Why a value cannot be a PicPay token or credential, or null. PicPay's are opaque printable
 * strings (hex or base64-like); what this refuses is what a paste gets wrong: the placeholder,
 * spaces or quotes copied with it, a line break, a value too short to be a secret.
 */
export function tokenProblem(value: string): string | null {
  if (value === PLACEHOLDER) return `is still the placeholder ${PLACEHOLDER}`;
  if (value.length < 8) return 'is shorter than 8 characters';
  if (value.length > 512) return 'is longer than 512 characters';
  if (/\s/.test(value)) return 'contains a space or a line break (copied with the value?)';
  if (/["'`]/.test(value)) return 'contains a quote (copied with the value?)';
  if (/[^\x21-\x7e]/.test(value)) return 'contains a character that is not printable ASCII';
  return null;
}

/** Where the values come from: a prompt, or a JSON file or stdin with any of the five keys. */
export type TokenSource = { readonly kind: 'prompt' } | { readonly kind: 'json'; readonly text: string };

export function sourceFrom(options: { fromFile?: string; stdin?: boolean }): TokenSource {
  if (options.fromFile !== undefined) return { kind: 'json', text: readFileSync(options.fromFile, 'utf8') };
  if (options.stdin) return { kind: 'json', text: readFileSync(0, 'utf8') };
  return { kind: 'prompt' };
}

/** Asks for one value without echoing what is typed (a TTY), or reads one line (not a TTY). */
export type Ask = (question: string) => Promise<string>;

export const askHidden: Ask = (question) =>
  new Promise((resolve) => {
    let muted = false;
    const output = new Writable({
      write(chunk, _encoding, done) {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });
    process.stderr.write(`${question}: `);
    muted = true;
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer.trim());
    });
  });

/** The values given, by key: read from the JSON, or asked for one by one. Unknown keys are refused. */
export async function readValues(source: TokenSource, keys: readonly TokenKey[], ask: Ask): Promise<Partial<Record<TokenKey, string>>> {
  const values: Partial<Record<TokenKey, string>> = {};
  if (source.kind === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(source.text);
    } catch {
      // Not the parse error's message: it quotes the text, a token.
      throw new CliError('The tokens input is not JSON: give an object such as {"sellerToken":"…","checkoutToken":"…"}.');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CliError('The tokens input must be a JSON object.');
    for (const [key, value] of Object.entries(json)) {
      if (!(KEYS as string[]).includes(key)) throw new CliError(`Unknown key "${key.slice(0, 40)}" in the tokens input; known: ${KEYS.join(', ')}.`);
      if (typeof value !== 'string') throw new CliError(`${key} must be a string.`);
      if (keys.includes(key as TokenKey)) values[key as TokenKey] = value.trim();
    }
  } else {
    for (const key of keys) {
      const answer = await ask(`${key}: ${PROMPTS[key]}`);
      if (answer !== '') values[key] = answer;
    }
  }
  for (const [key, value] of Object.entries(values)) {
    const problem = tokenProblem(value);
    if (problem !== null) throw new CliError(`${key} ${problem}; nothing was written.`);
  }
  if ((values.picpayClientId === undefined) !== (values.picpayClientSecret === undefined)) {
    throw new CliError('picpayClientId and picpayClientSecret go together: give both or neither; nothing was written.');
  }
  return values;
}

/** The two secrets of a target: read as JSON objects, written back whole. */
class Secrets {
  constructor(
    private readonly target: Target,
    private readonly clients: Clients,
  ) {}

  idOf(which: 'tokens' | 'credentials'): string {
    const id = which === 'tokens' ? this.target.secretId : (this.target.credentialsSecretId ?? this.target.secretId);
    if (!id) throw new CliError(`${this.target.name} names no ${which} secret.`);
    return id;
  }

  /** The secret's members; null when this role may write the secret but not read it (not in operatorRoleArns). */
  async read(which: 'tokens' | 'credentials'): Promise<Record<string, unknown> | null> {
    let out: { SecretString?: string };
    try {
      out = await this.clients.secrets.send(new GetSecretValueCommand({ SecretId: this.idOf(which) }));
    } catch (error) {
      if ((error as { name?: string }).name === 'AccessDeniedException') return null;
      throw error;
    }
    try {
      const json: unknown = JSON.parse(out.SecretString ?? '{}');
      return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    } catch {
      // A secret that is not JSON is replaced by what is written now.
      return {};
    }
  }

  async write(which: 'tokens' | 'credentials', value: Record<string, unknown>): Promise<void> {
    await this.clients.secrets.send(new PutSecretValueCommand({ SecretId: this.idOf(which), SecretString: JSON.stringify(value) }));
  }
}

/** What a secret's member holds, said without any of its bytes. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'not set';
  if (value === PLACEHOLDER || (Array.isArray(value) && value.length === 1 && value[0] === PLACEHOLDER)) return `placeholder (${PLACEHOLDER})`;
  if (Array.isArray(value)) return `set, ${value.length} values (rotation in progress: the last is the newest)`;
  return typeof value === 'string' && value !== '' ? 'set' : 'empty';
}

/**
 * `tokens set`: writes the given values into their secrets, keeping every other member as it
 * is, so running it again (or for one key) is safe. Returns the keys written.
 */
export async function setTokens(values: Partial<Record<TokenKey, string>>, target: Target, clients: Clients, io: Io): Promise<TokenKey[]> {
  const secrets = new Secrets(target, clients);
  const written: TokenKey[] = [];
  for (const which of ['tokens', 'credentials'] as const) {
    const keys = KEYS.filter((k) => TOKEN_KEYS[k] === which && values[k] !== undefined);
    if (keys.length === 0) continue;
    const current = await secrets.read(which);
    // A role that may write but not read the secret (not in operatorRoleArns) can still replace
    // it whole: then every member it must hold has to be given.
    const required = which === 'tokens' ? ['sellerToken', 'checkoutToken'] : ['picpayToken'];
    if (current === null && required.some((k) => values[k as TokenKey] === undefined)) {
      throw new CliError(
        `This role cannot read ${secrets.idOf(which)} (not in operatorRoleArns): give ${required.join(' and ')} together to replace it whole.`,
      );
    }
    await secrets.write(which, { ...(current ?? {}), ...Object.fromEntries(keys.map((k) => [k, values[k]])) });
    io.out(`Wrote ${keys.join(', ')} into ${secrets.idOf(which)}.`);
    written.push(...keys);
  }
  if (written.length === 0) io.out('Nothing to write: no value was given.');
  else io.out('The functions read the secrets again within 60 s.');
  return written;
}

/** `tokens status`: each member of both secrets, without its value. */
export async function tokensStatus(target: Target, clients: Clients, io: Io): Promise<number> {
  const secrets = new Secrets(target, clients);
  const read = { tokens: await secrets.read('tokens'), credentials: await secrets.read('credentials') };
  for (const key of KEYS) {
    const secret = read[TOKEN_KEYS[key]];
    io.out(`${key.padEnd(20)} ${secret === null ? 'unknown (this role cannot read the secret: operatorRoleArns)' : describeValue(secret[key])}`);
  }
  return 0;
}

/**
 * `tokens rotate <sellerToken|checkoutToken>`: adds the new value beside the current one (the
 * authenticator accepts both), so PicPay can be switched over with no 401 in between; `--finish`
 * then keeps only the newest. The outbound credentials have one value each: `tokens set`.
 */
export async function rotateToken(key: string, finish: boolean, source: TokenSource, ask: Ask, target: Target, clients: Clients, io: Io): Promise<number> {
  if (!(ROTATABLE as string[]).includes(key)) {
    throw new CliError(
      `Only ${ROTATABLE.join(' and ')} are rotated in two steps; set ${KEYS.filter((k) => !ROTATABLE.includes(k)).join(', ')} with \`tokens set\`.`,
    );
  }
  const name = key as TokenKey;
  const secrets = new Secrets(target, clients);
  const current = await secrets.read('tokens');
  if (current === null)
    throw new CliError(`Rotation keeps the current value beside the new one, so it reads ${secrets.idOf('tokens')}: run it with a role in operatorRoleArns.`);
  const values = ([] as unknown[]).concat(current[name] ?? []).filter((v): v is string => typeof v === 'string' && v !== PLACEHOLDER);
  if (finish) {
    if (values.length < 2) throw new CliError(`${name} holds ${values.length} value(s): no rotation to finish.`);
    await secrets.write('tokens', { ...current, [name]: values.at(-1) });
    io.out(`${name}: only the newest value is accepted from now on (within 60 s).`);
    return 0;
  }
  const given = await readValues(source, [name], ask);
  const next = given[name];
  if (next === undefined) throw new CliError(`No new ${name} was given; nothing was written.`);
  if (values.includes(next)) throw new CliError(`That ${name} is already accepted; nothing was written.`);
  await secrets.write('tokens', { ...current, [name]: [...values.slice(-1), next] });
  io.out(`${name}: the current and the new value are both accepted (within 60 s).`);
  io.out(
    name === 'checkoutToken'
      ? 'PicPay uses the token Painel Lojista showed from the moment you saved the URL; both are accepted now. Once `doctor` passes, run `tokens rotate checkoutToken --finish`.'
      : 'Now switch PicPay to the new token; once `doctor` passes, run `tokens rotate sellerToken --finish`.',
  );
  return 0;
}
