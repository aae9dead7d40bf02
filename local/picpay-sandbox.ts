import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { close, listen, readBody, sendJson } from './http.js';

/**
 * A local stand-in for PicPay's legacy status endpoint,
 * `GET /ecommerce/public/payments/{referenceId}/status` with `x-picpay-token`, answering the
 * way PicPay documents it (401 with its message for a bad token). Unknown references get 404
 * (undocumented by PicPay). Control endpoints, under `/_sandbox`, set a payment's status:
 *
 *   PUT  /_sandbox/payments/{referenceId}   {"status":"paid","authorizationId":"…","summary":{…}}
 *   GET  /_sandbox/payments                  list all
 *   POST /_sandbox/faults                    {"statusCode":503,"count":2} fail the next N lookups
 *   PUT  /_sandbox/outage                    {"statusCode":503} PicPay down: every API request fails (0 = connection dropped)
 *   DELETE /_sandbox/outage                  PicPay back
 *
 * It also stands in for PicPay's checkout API, for checkout reconciliation: the OAuth2 token
 * endpoint `POST /oauth2/token` (`client_credentials`, tokens valid 5 minutes as PicPay documents)
 * and find-charge `GET /api/v1/charge/{merchantChargeId}` with `Authorization: Bearer`.
 *
 *   PUT  /_sandbox/charges/{merchantChargeId}  {"chargeStatus":"PAID","amount":10000,…}
 *   GET  /_sandbox/charges                     list all
 *
 * And for Payment Link, find-transactions `GET /v1/paymentlink/{paymentLinkId}/transactions`
 * (`page`, `perPage`; the answer as PicPay's reference shows it: `{originId, transactions,
 * perPage, currentPage, nextPage, previousPage}`), with the same bearer tokens:
 *
 *   PUT  /_sandbox/paymentlinks/{paymentLinkId}/transactions/{transactionId}  {"status":"PAYED","amount":10000}
 */
export interface SandboxCharge {
  chargeStatus: string;
  amount?: number;
  originalAmount?: number;
  refundedAmount?: number;
  [key: string]: unknown;
}

/** A Payment Link transaction (a payment or a refund) as find-transactions lists it. */
export interface SandboxLinkTransaction {
  transactionId: string;
  status: string;
  amount: number;
  createdAt?: string;
  updatedAt?: string;
}

/** The checkout API's OAuth2 client the sandbox accepts. */
export interface SandboxOAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
}
export interface SandboxPayment {
  status: string;
  authorizationId?: string | null;
  summary?: { authorized?: number; paid?: number; refunded?: number } | null;
  /** PicPay's own time of the status (live answers carry it; two SDK READMEs show it), e.g. `2023-06-26T16:47:52.000000Z`. */
  updatedAt?: string;
}

export interface PicPaySandbox {
  readonly baseUrl: string;
  setPayment(referenceId: string, payment: SandboxPayment): void;
  getPayment(referenceId: string): SandboxPayment | undefined;
  /** Fail the next `count` status lookups with `statusCode` (0 = drop the connection). */
  injectFaults(statusCode: number, count: number): void;
  /**
   * Answer this fraction of status lookups with the payment's previous status (and its own
   * `updatedAt`), as a slow read or a lagging replica would: the processor must order reads by
   * PicPay's time and ignore the older one. 0 (the default) always answers the current status.
   */
  setStaleReadRate(rate: number, random?: () => number): void;
  /** Status lookups answered with a previous status so far. */
  readonly staleReads: number;
  /**
   * Fail this fraction of lookups (status and find-charge) at random: half with HTTP 500, half
   * hanging for `hangMs`.
   */
  setFaultRate(rate: number, hangMs: number, random?: () => number): void;
  /**
   * PicPay down (or back with null): every request to its APIs (status, OAuth2 token,
   * find-charge) is answered `statusCode`, or its connection dropped with 0, until it is back.
   */
  setOutage(statusCode: number | null): void;
  /** Requests the outage refused so far. */
  readonly refusedInOutage: number;
  readonly lookups: number;
  setCharge(merchantChargeId: string, charge: SandboxCharge): void;
  getCharge(merchantChargeId: string): SandboxCharge | undefined;
  /** A transaction of a Payment Link as find-transactions lists it (added or replaced). */
  setLinkTransaction(paymentLinkId: string, transaction: SandboxLinkTransaction): void;
  /** Access tokens issued by `POST /oauth2/token`, and find-charge requests served. */
  readonly tokensIssued: number;
  readonly chargeLookups: number;
  /** find-charge requests failed on purpose: queued or random faults (not the outage's refusals). */
  readonly chargeLookupFaults: number;
  stop(): Promise<void>;
}

/** The example payment from PicPay's notification page, so its curl completes offline. */
export const EXAMPLE_PAYMENT = {
  referenceId: '102030',
  status: 'paid',
  authorizationId: '555008cef7f321d00ef236333',
} as const;

/** What the sandbox remembers between requests, and what its controls change. */
interface SandboxState {
  readonly payments: Map<string, SandboxPayment>;
  /** Each payment's statuses as they were set, oldest first (the last is `payments`'s). */
  readonly paymentVersions: Map<string, SandboxPayment[]>;
  readonly staleReadRate: { rate: number; random: () => number };
  staleReads: number;
  readonly charges: Map<string, SandboxCharge>;
  /** Payment Link id -> its transactions by id, in the order they were first set. */
  readonly links: Map<string, Map<string, SandboxLinkTransaction>>;
  /** Access token -> when it expires (epoch ms). */
  readonly accessTokens: Map<string, number>;
  /** The next `remaining` lookups fail with `statusCode` (0 = connection dropped). */
  readonly faults: { statusCode: number; remaining: number };
  readonly randomFaults: { rate: number; hangMs: number; random: () => number };
  outage: number | null;
  refusedInOutage: number;
  lookups: number;
  tokensIssued: number;
  chargeLookups: number;
  chargeLookupFaults: number;
}

/** The credentials the sandbox accepts, fixed when it starts. */
interface SandboxConfig {
  readonly picpayToken: string;
  readonly oauth: SandboxOAuthClient | null;
  readonly tokenSeconds: number;
}

export async function startPicPaySandbox(
  picpayToken: string,
  host = '127.0.0.1',
  port = 0,
  oauth: SandboxOAuthClient | null = null,
  tokenSeconds = 300,
): Promise<PicPaySandbox> {
  const state = initialState();
  const config: SandboxConfig = { picpayToken, oauth, tokenSeconds };
  const server = createServer((req, res) => handleRequest(state, config, req, res));
  const boundPort = await listen(server, port, host);
  return {
    baseUrl: `http://${host}:${boundPort}`,
    setPayment: (referenceId, payment) => setPayment(state, referenceId, payment),
    setStaleReadRate(rate, random = Math.random) {
      Object.assign(state.staleReadRate, { rate, random });
    },
    get staleReads() {
      return state.staleReads;
    },
    getPayment: (referenceId) => state.payments.get(referenceId),
    injectFaults(statusCode, count) {
      state.faults.statusCode = statusCode;
      state.faults.remaining = count;
    },
    setFaultRate(rate, hangMs, random = Math.random) {
      Object.assign(state.randomFaults, { rate, hangMs, random });
    },
    setOutage(statusCode) {
      state.outage = statusCode;
    },
    get refusedInOutage() {
      return state.refusedInOutage;
    },
    get lookups() {
      return state.lookups;
    },
    setCharge: (merchantChargeId, charge) => void state.charges.set(merchantChargeId, charge),
    getCharge: (merchantChargeId) => state.charges.get(merchantChargeId),
    setLinkTransaction: (paymentLinkId, transaction) => setLinkTransaction(state, paymentLinkId, transaction),
    get tokensIssued() {
      return state.tokensIssued;
    },
    get chargeLookups() {
      return state.chargeLookups;
    },
    get chargeLookupFaults() {
      return state.chargeLookupFaults;
    },
    stop: () => close(server),
  };
}

/** No charges, no faults, PicPay up; PicPay's example payment already known. */
function initialState(): SandboxState {
  return {
    payments: new Map<string, SandboxPayment>([
      [EXAMPLE_PAYMENT.referenceId, { status: EXAMPLE_PAYMENT.status, authorizationId: EXAMPLE_PAYMENT.authorizationId }],
    ]),
    charges: new Map<string, SandboxCharge>(),
    paymentVersions: new Map(),
    staleReadRate: { rate: 0, random: Math.random },
    staleReads: 0,
    links: new Map(),
    accessTokens: new Map<string, number>(),
    faults: { statusCode: 0, remaining: 0 },
    randomFaults: { rate: 0, hangMs: 0, random: Math.random },
    outage: null,
    refusedInOutage: 0,
    lookups: 0,
    tokensIssued: 0,
    chargeLookups: 0,
    chargeLookupFaults: 0,
  };
}

/** Routes a request: during an outage every PicPay API request is refused; the controls always answer. */
async function handleRequest(state: SandboxState, config: SandboxConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  if (state.outage !== null && !url.pathname.startsWith('/_sandbox/')) return refuseInOutage(state, req, res);
  const status = /^\/ecommerce\/public\/payments\/([^/]+)\/status$/.exec(url.pathname);
  if (status && req.method === 'GET') return answerStatusLookup(state, config, req, res, status[1]!);
  if (url.pathname === '/oauth2/token' && req.method === 'POST') return issueAccessToken(state, config, req, res);
  const findCharge = /^\/api\/v1\/charge\/([^/]+)$/.exec(url.pathname);
  if (findCharge && req.method === 'GET') return answerFindCharge(state, req, res, findCharge[1]!);
  const findTransactions = /^\/v1\/paymentlink\/([^/]+)\/transactions$/.exec(url.pathname);
  if (findTransactions && req.method === 'GET') return answerFindTransactions(state, req, res, findTransactions[1]!, url);
  const linkControl = /^\/_sandbox\/paymentlinks\/([^/]+)\/transactions\/([^/]+)$/.exec(url.pathname);
  if (linkControl && req.method === 'PUT') return setLinkTransactionByControl(state, req, res, linkControl[1]!, linkControl[2]!);
  const chargeControl = /^\/_sandbox\/charges\/([^/]+)$/.exec(url.pathname);
  if (chargeControl && req.method === 'PUT') return setChargeByControl(state, req, res, chargeControl[1]!);
  if (url.pathname === '/_sandbox/charges' && req.method === 'GET') {
    return sendJson(res, 200, Object.fromEntries(state.charges));
  }
  const control = /^\/_sandbox\/payments\/([^/]+)$/.exec(url.pathname);
  if (control && req.method === 'PUT') return setPaymentByControl(state, req, res, control[1]!);
  if (url.pathname === '/_sandbox/payments' && req.method === 'GET') {
    return sendJson(res, 200, Object.fromEntries(state.payments));
  }
  if (url.pathname === '/_sandbox/outage' && req.method === 'DELETE') {
    state.outage = null;
    return sendJson(res, 200, { outage: null });
  }
  if (url.pathname === '/_sandbox/outage' && req.method === 'PUT') return startOutageByControl(state, req, res);
  if (url.pathname === '/_sandbox/faults' && req.method === 'POST') return queueFaultsByControl(state, req, res);
  return sendJson(res, 404, { message: 'Not found' });
}

/** A request body parsed as JSON; one over the limit parses as nothing, so it throws like bad JSON. */
function jsonOf(raw: Buffer | 'too_large'): unknown {
  return JSON.parse(raw === 'too_large' ? '' : raw.toString('utf8'));
}

function refuseInOutage(state: SandboxState, req: IncomingMessage, res: ServerResponse) {
  state.refusedInOutage++;
  if (state.outage === 0) return void req.socket.destroy();
  return sendJson(res, state.outage!, { message: 'Serviço indisponível (sandbox outage)' });
}

/** Fails the request with the next queued fault, if one is queued; says whether it did. */
function answeredWithQueuedFault(state: SandboxState, req: IncomingMessage, res: ServerResponse): boolean {
  if (state.faults.remaining <= 0) return false;
  state.faults.remaining--;
  if (state.faults.statusCode === 0) req.socket.destroy();
  else sendJson(res, state.faults.statusCode, { message: 'Erro interno (sandbox fault)' });
  return true;
}

/** Fails the request at the random fault rate: half with a 500, half answered after the client gave up. */
async function answeredWithRandomFault(state: SandboxState, res: ServerResponse): Promise<boolean> {
  const randomFaults = state.randomFaults;
  if (!(randomFaults.rate > 0 && randomFaults.random() < randomFaults.rate)) return false;
  if (randomFaults.random() < 0.5) {
    sendJson(res, 500, { message: 'Erro interno (sandbox fault)' });
    return true;
  }
  await new Promise((r) => setTimeout(r, randomFaults.hangMs)); // longer than the client waits
  if (!res.destroyed) sendJson(res, 504, { message: 'late' });
  return true;
}

/** The legacy status endpoint: queued faults first, then random ones, then the token, then the payment. */
async function answerStatusLookup(
  state: SandboxState,
  config: SandboxConfig,
  req: IncomingMessage,
  res: ServerResponse,
  rawReferenceId: string,
): Promise<void> {
  state.lookups++;
  if (answeredWithQueuedFault(state, req, res)) return;
  if (await answeredWithRandomFault(state, res)) return;
  if (req.headers['x-picpay-token'] !== config.picpayToken) {
    return sendJson(res, 401, { message: 'O Token informado é inválido' });
  }
  const referenceId = decodeURIComponent(rawReferenceId);
  const payment = state.payments.get(referenceId);
  if (!payment) return sendJson(res, 404, { message: 'Pagamento não encontrado' });
  const versions = state.paymentVersions.get(referenceId) ?? [];
  const { rate, random } = state.staleReadRate;
  if (versions.length > 1 && rate > 0 && random() < rate) {
    state.staleReads++;
    return sendJson(res, 200, { referenceId, ...versions.at(-2)! });
  }
  return sendJson(res, 200, { referenceId, ...payment });
}

/** The checkout API's OAuth2 token endpoint (`client_credentials`). */
async function issueAccessToken(state: SandboxState, config: SandboxConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { oauth, tokenSeconds } = config;
  const raw = await readBody(req, 16 * 1024);
  let body: { grant_type?: unknown; client_id?: unknown; client_secret?: unknown } = {};
  try {
    body = jsonOf(raw) as typeof body;
  } catch {
    return sendJson(res, 400, { message: 'Body must be JSON' });
  }
  if (oauth === null || body.grant_type !== 'client_credentials' || body.client_id !== oauth.clientId || body.client_secret !== oauth.clientSecret) {
    return sendJson(res, 401, { message: 'Unauthorized' });
  }
  state.tokensIssued++;
  const token = `sandbox-${state.tokensIssued}-${Math.random().toString(36).slice(2)}`;
  state.accessTokens.set(token, Date.now() + tokenSeconds * 1000);
  return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: tokenSeconds, scope: 'charge' });
}

/** Whether the request carries a bearer token the sandbox issued and that has not expired. */
function hasLiveAccessToken(state: SandboxState, req: IncomingMessage): boolean {
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const until = bearer === undefined ? undefined : state.accessTokens.get(bearer);
  return until !== undefined && until >= Date.now();
}

/** Queued faults first, then random ones (counted): whether the lookup was answered with a fault. */
async function answeredWithLookupFault(state: SandboxState, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (answeredWithQueuedFault(state, req, res) || (await answeredWithRandomFault(state, res))) {
    state.chargeLookupFaults++;
    return true;
  }
  return false;
}

/** find-charge: queued faults first, then random ones, then the bearer token, then the charge. */
async function answerFindCharge(state: SandboxState, req: IncomingMessage, res: ServerResponse, rawChargeId: string): Promise<void> {
  state.chargeLookups++;
  if (await answeredWithLookupFault(state, req, res)) return;
  if (!hasLiveAccessToken(state, req)) return sendJson(res, 401, { message: 'Unauthorized' });
  const id = decodeURIComponent(rawChargeId);
  const charge = state.charges.get(id);
  if (!charge) return sendJson(res, 404, { message: 'Charge not found' });
  return sendJson(res, 200, { merchantChargeId: id, ...charge });
}

/** The payment's status from now on, remembered beside the ones before it (for stale reads). */
function setPayment(state: SandboxState, referenceId: string, payment: SandboxPayment): void {
  state.payments.set(referenceId, payment);
  state.paymentVersions.set(referenceId, [...(state.paymentVersions.get(referenceId) ?? []), payment]);
}

function setLinkTransaction(state: SandboxState, paymentLinkId: string, transaction: SandboxLinkTransaction): void {
  const link = state.links.get(paymentLinkId) ?? new Map<string, SandboxLinkTransaction>();
  link.set(transaction.transactionId, transaction);
  state.links.set(paymentLinkId, link);
}

/** find-transactions: faults first (as find-charge), then the bearer token, then one page of the link's transactions. */
async function answerFindTransactions(state: SandboxState, req: IncomingMessage, res: ServerResponse, rawLinkId: string, url: URL): Promise<void> {
  state.chargeLookups++;
  if (await answeredWithLookupFault(state, req, res)) return;
  if (!hasLiveAccessToken(state, req)) return sendJson(res, 401, { message: 'Unauthorized' });
  const id = decodeURIComponent(rawLinkId);
  const link = state.links.get(id);
  if (!link) return sendJson(res, 404, { error: { message: 'Payment link not found', code: 404 } });
  const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
  const perPage = Math.max(1, Number(url.searchParams.get('perPage')) || 10);
  const all = [...link.values()];
  const transactions = all.slice((page - 1) * perPage, page * perPage);
  const pageUrl = (n: number) => `${url.pathname}?page=${n}&perPage=${perPage}`;
  return sendJson(res, 200, {
    originId: id,
    transactions,
    perPage,
    currentPage: page,
    nextPage: page * perPage < all.length ? pageUrl(page + 1) : null,
    previousPage: page > 1 ? pageUrl(page - 1) : null,
  });
}

async function setLinkTransactionByControl(state: SandboxState, req: IncomingMessage, res: ServerResponse, rawLinkId: string, rawTxId: string): Promise<void> {
  const raw = await readBody(req, 64 * 1024);
  let body: Partial<SandboxLinkTransaction> | undefined;
  try {
    body = jsonOf(raw) as Partial<SandboxLinkTransaction>;
  } catch {
    body = undefined;
  }
  if (typeof body?.status !== 'string' || typeof body.amount !== 'number')
    return sendJson(res, 400, { message: 'Body must be JSON with "status" and "amount"' });
  const transaction = { ...body, transactionId: decodeURIComponent(rawTxId) } as SandboxLinkTransaction;
  setLinkTransaction(state, decodeURIComponent(rawLinkId), transaction);
  return sendJson(res, 200, transaction);
}

async function setChargeByControl(state: SandboxState, req: IncomingMessage, res: ServerResponse, rawChargeId: string): Promise<void> {
  const raw = await readBody(req, 64 * 1024);
  try {
    const body = jsonOf(raw) as SandboxCharge;
    if (typeof body.chargeStatus !== 'string' || body.chargeStatus === '') throw new Error('chargeStatus required');
    state.charges.set(decodeURIComponent(rawChargeId), body);
    return sendJson(res, 200, { merchantChargeId: decodeURIComponent(rawChargeId), ...body });
  } catch {
    return sendJson(res, 400, { message: 'Body must be JSON with a "chargeStatus" string' });
  }
}

async function setPaymentByControl(state: SandboxState, req: IncomingMessage, res: ServerResponse, rawReferenceId: string): Promise<void> {
  const raw = await readBody(req, 64 * 1024);
  try {
    const body = jsonOf(raw) as SandboxPayment;
    if (typeof body.status !== 'string' || body.status === '') throw new Error('status required');
    setPayment(state, decodeURIComponent(rawReferenceId), body);
    return sendJson(res, 200, { referenceId: decodeURIComponent(rawReferenceId), ...body });
  } catch {
    return sendJson(res, 400, { message: 'Body must be JSON with a "status" string' });
  }
}

async function startOutageByControl(state: SandboxState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req, 4096);
  try {
    const statusCode = Number((jsonOf(raw) as { statusCode?: unknown }).statusCode);
    if (!Number.isInteger(statusCode) || (statusCode !== 0 && (statusCode < 400 || statusCode > 599))) throw new Error('statusCode');
    state.outage = statusCode;
    return sendJson(res, 200, { outage: state.outage });
  } catch {
    return sendJson(res, 400, { message: 'Body must be {"statusCode": 0 or 400-599}' });
  }
}

async function queueFaultsByControl(state: SandboxState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req, 4096);
  try {
    const body = jsonOf(raw) as { statusCode: number; count: number };
    state.faults.statusCode = Number(body.statusCode);
    state.faults.remaining = Number(body.count);
    return sendJson(res, 200, state.faults);
  } catch {
    return sendJson(res, 400, { message: 'Body must be {"statusCode": number, "count": number}' });
  }
}
