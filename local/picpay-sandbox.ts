import { createServer } from 'node:http';
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
 */
export interface SandboxCharge {
  chargeStatus: string;
  amount?: number;
  originalAmount?: number;
  refundedAmount?: number;
  [key: string]: unknown;
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
}

export interface PicPaySandbox {
  readonly baseUrl: string;
  setPayment(referenceId: string, payment: SandboxPayment): void;
  getPayment(referenceId: string): SandboxPayment | undefined;
  /** Fail the next `count` status lookups with `statusCode` (0 = drop the connection). */
  injectFaults(statusCode: number, count: number): void;
  /** Fail this fraction of lookups at random: half with HTTP 500, half hanging for `hangMs`. */
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
  /** Access tokens issued by `POST /oauth2/token`, and find-charge requests served. */
  readonly tokensIssued: number;
  readonly chargeLookups: number;
  stop(): Promise<void>;
}

/** The example payment from PicPay's notification page, so its curl completes offline. */
export const EXAMPLE_PAYMENT = {
  referenceId: '102030',
  status: 'paid',
  authorizationId: '555008cef7f321d00ef236333',
} as const;

export async function startPicPaySandbox(
  picpayToken: string,
  host = '127.0.0.1',
  port = 0,
  oauth: SandboxOAuthClient | null = null,
  tokenSeconds = 300,
): Promise<PicPaySandbox> {
  const charges = new Map<string, SandboxCharge>();
  const accessTokens = new Map<string, number>();
  let tokensIssued = 0;
  let chargeLookups = 0;
  const payments = new Map<string, SandboxPayment>([
    [EXAMPLE_PAYMENT.referenceId, { status: EXAMPLE_PAYMENT.status, authorizationId: EXAMPLE_PAYMENT.authorizationId }],
  ]);
  const faults = { statusCode: 0, remaining: 0 };
  const randomFaults = { rate: 0, hangMs: 0, random: Math.random };
  let lookups = 0;
  let outage: number | null = null;
  let refusedInOutage = 0;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (outage !== null && !url.pathname.startsWith('/_sandbox/')) {
      refusedInOutage++;
      if (outage === 0) return req.socket.destroy();
      return sendJson(res, outage, { message: 'Serviço indisponível (sandbox outage)' });
    }
    const status = /^\/ecommerce\/public\/payments\/([^/]+)\/status$/.exec(url.pathname);
    if (status && req.method === 'GET') {
      lookups++;
      if (faults.remaining > 0) {
        faults.remaining--;
        if (faults.statusCode === 0) return req.socket.destroy();
        return sendJson(res, faults.statusCode, { message: 'Erro interno (sandbox fault)' });
      }
      if (randomFaults.rate > 0 && randomFaults.random() < randomFaults.rate) {
        if (randomFaults.random() < 0.5) return sendJson(res, 500, { message: 'Erro interno (sandbox fault)' });
        await new Promise((r) => setTimeout(r, randomFaults.hangMs)); // longer than the client waits
        if (!res.destroyed) return sendJson(res, 504, { message: 'late' });
        return;
      }
      if (req.headers['x-picpay-token'] !== picpayToken) {
        return sendJson(res, 401, { message: 'O Token informado é inválido' });
      }
      const referenceId = decodeURIComponent(status[1]!);
      const payment = payments.get(referenceId);
      if (!payment) return sendJson(res, 404, { message: 'Pagamento não encontrado' });
      return sendJson(res, 200, { referenceId, ...payment });
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const raw = await readBody(req, 16 * 1024);
      let body: { grant_type?: unknown; client_id?: unknown; client_secret?: unknown } = {};
      try {
        body = JSON.parse(raw === 'too_large' ? '' : raw.toString('utf8')) as typeof body;
      } catch {
        return sendJson(res, 400, { message: 'Body must be JSON' });
      }
      if (oauth === null || body.grant_type !== 'client_credentials' || body.client_id !== oauth.clientId || body.client_secret !== oauth.clientSecret) {
        return sendJson(res, 401, { message: 'Unauthorized' });
      }
      tokensIssued++;
      const token = `sandbox-${tokensIssued}-${Math.random().toString(36).slice(2)}`;
      accessTokens.set(token, Date.now() + tokenSeconds * 1000);
      return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: tokenSeconds, scope: 'charge' });
    }
    const findCharge = /^\/api\/v1\/charge\/([^/]+)$/.exec(url.pathname);
    if (findCharge && req.method === 'GET') {
      chargeLookups++;
      if (faults.remaining > 0) {
        faults.remaining--;
        if (faults.statusCode === 0) return req.socket.destroy();
        return sendJson(res, faults.statusCode, { message: 'Erro interno (sandbox fault)' });
      }
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const until = bearer === undefined ? undefined : accessTokens.get(bearer);
      if (until === undefined || until < Date.now()) return sendJson(res, 401, { message: 'Unauthorized' });
      const id = decodeURIComponent(findCharge[1]!);
      const charge = charges.get(id);
      if (!charge) return sendJson(res, 404, { message: 'Charge not found' });
      return sendJson(res, 200, { merchantChargeId: id, ...charge });
    }
    const chargeControl = /^\/_sandbox\/charges\/([^/]+)$/.exec(url.pathname);
    if (chargeControl && req.method === 'PUT') {
      const raw = await readBody(req, 64 * 1024);
      try {
        const body = JSON.parse(raw === 'too_large' ? '' : raw.toString('utf8')) as SandboxCharge;
        if (typeof body.chargeStatus !== 'string' || body.chargeStatus === '') throw new Error('chargeStatus required');
        charges.set(decodeURIComponent(chargeControl[1]!), body);
        return sendJson(res, 200, { merchantChargeId: decodeURIComponent(chargeControl[1]!), ...body });
      } catch {
        return sendJson(res, 400, { message: 'Body must be JSON with a "chargeStatus" string' });
      }
    }
    if (url.pathname === '/_sandbox/charges' && req.method === 'GET') {
      return sendJson(res, 200, Object.fromEntries(charges));
    }
    const control = /^\/_sandbox\/payments\/([^/]+)$/.exec(url.pathname);
    if (control && req.method === 'PUT') {
      const raw = await readBody(req, 64 * 1024);
      try {
        const body = JSON.parse(raw === 'too_large' ? '' : raw.toString('utf8')) as SandboxPayment;
        if (typeof body.status !== 'string' || body.status === '') throw new Error('status required');
        payments.set(decodeURIComponent(control[1]!), body);
        return sendJson(res, 200, { referenceId: decodeURIComponent(control[1]!), ...body });
      } catch {
        return sendJson(res, 400, { message: 'Body must be JSON with a "status" string' });
      }
    }
    if (url.pathname === '/_sandbox/payments' && req.method === 'GET') {
      return sendJson(res, 200, Object.fromEntries(payments));
    }
    if (url.pathname === '/_sandbox/outage' && req.method === 'DELETE') {
      outage = null;
      return sendJson(res, 200, { outage: null });
    }
    if (url.pathname === '/_sandbox/outage' && req.method === 'PUT') {
      const raw = await readBody(req, 4096);
      try {
        const statusCode = Number((JSON.parse(raw === 'too_large' ? '' : raw.toString('utf8')) as { statusCode?: unknown }).statusCode);
        if (!Number.isInteger(statusCode) || (statusCode !== 0 && (statusCode < 400 || statusCode > 599))) throw new Error('statusCode');
        outage = statusCode;
        return sendJson(res, 200, { outage });
      } catch {
        return sendJson(res, 400, { message: 'Body must be {"statusCode": 0 or 400-599}' });
      }
    }
    if (url.pathname === '/_sandbox/faults' && req.method === 'POST') {
      const raw = await readBody(req, 4096);
      try {
        const body = JSON.parse(raw === 'too_large' ? '' : raw.toString('utf8')) as { statusCode: number; count: number };
        faults.statusCode = Number(body.statusCode);
        faults.remaining = Number(body.count);
        return sendJson(res, 200, faults);
      } catch {
        return sendJson(res, 400, { message: 'Body must be {"statusCode": number, "count": number}' });
      }
    }
    return sendJson(res, 404, { message: 'Not found' });
  });
  const boundPort = await listen(server, port, host);
  return {
    baseUrl: `http://${host}:${boundPort}`,
    setPayment: (referenceId, payment) => void payments.set(referenceId, payment),
    getPayment: (referenceId) => payments.get(referenceId),
    injectFaults(statusCode, count) {
      faults.statusCode = statusCode;
      faults.remaining = count;
    },
    setFaultRate(rate, hangMs, random = Math.random) {
      Object.assign(randomFaults, { rate, hangMs, random });
    },
    setOutage(statusCode) {
      outage = statusCode;
    },
    get refusedInOutage() {
      return refusedInOutage;
    },
    get lookups() {
      return lookups;
    },
    setCharge: (merchantChargeId, charge) => void charges.set(merchantChargeId, charge),
    getCharge: (merchantChargeId) => charges.get(merchantChargeId),
    get tokensIssued() {
      return tokensIssued;
    },
    get chargeLookups() {
      return chargeLookups;
    },
    stop: () => close(server),
  };
}
