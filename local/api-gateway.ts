import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type ApiType, HANDLERS, REGISTRATION_ROUTE, ROUTES } from '../lambda/contract.js';
import { close, listen, readBody, sendJson } from './http.js';
import { lambdaContext } from './lambda-context.js';
import { type LocalIdentity, verifySigV4 } from './sigv4-verify.js';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** API Gateway's own payload limit (10 MB, REST and HTTP APIs alike). */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Whether an HTTP API hands a body of this content type to Lambda as text (isBase64Encoded
 * false) rather than as base64. AWS documents only that binary content types are base64-encoded;
 * the split here is the one observed on HTTP APIs and reported publicly: text for text/* and for
 * application/json, application/xml and application/javascript; base64 for everything else,
 * a missing content type included. docs/architecture.md, "API profiles", says what this costs.
 */
export function httpApiSendsAsText(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return mediaType.startsWith('text/') || ['application/json', 'application/xml', 'application/javascript'].includes(mediaType);
}

/** The body as each API type hands it to the function. */
function eventBody(body: Buffer, apiType: ApiType, contentType: string | undefined): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  // REST: the stack declares every media type binary (binaryMediaTypes */*), so API Gateway
  // hands the function the exact bytes as base64.
  if (apiType === 'rest' || !httpApiSendsAsText(contentType)) return { body: body.toString('base64'), isBase64Encoded: true };
  // HTTP API, text content type: a string. Bytes that are not UTF-8 become U+FFFD here; what
  // AWS does with them is not documented, which is why the REST profile is the byte-exact one.
  return { body: body.toString('utf8'), isBase64Encoded: false };
}

/**
 * The Lambda proxy event API Gateway sends for this request: the REST API's, or the HTTP API's
 * with payload format 1.0 (same fields; `version` "1.0", `path` with the stage in front,
 * `requestContext.resourceId` the route key, and text bodies as text).
 */
export function toProxyEvent(
  req: IncomingMessage,
  route: { readonly path: string },
  body: Buffer,
  stage: string,
  userArn: string | null = null,
  apiType: ApiType = 'rest',
): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value; // API Gateway keeps the last value in `headers`
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query = [...url.searchParams.entries()];
  const http = apiType === 'http';
  const method = req.method ?? 'GET';
  const event: APIGatewayProxyEvent & { version?: string } = {
    ...(http ? { version: '1.0' } : {}),
    resource: route.path,
    // A named HTTP API stage stays in the path the function sees; REST strips it.
    path: http ? `/${stage}${url.pathname}` : url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.length ? Object.fromEntries(query) : null,
    multiValueQueryStringParameters: query.length
      ? query.reduce<Record<string, string[]>>((acc, [k, v]) => {
          (acc[k] ??= []).push(v);
          return acc;
        }, {})
      : null,
    pathParameters: null,
    stageVariables: null,
    ...eventBody(body, apiType, req.headers['content-type']),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      path: `/${stage}${url.pathname}`,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      // HTTP APIs put the route key here.
      resourceId: http ? `${method} ${route.path}` : 'local',
      resourcePath: route.path,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn,
      },
    },
  };
  // An HTTP API without a JWT or Lambda authorizer sends no authorizer member.
  if (http) delete (event.requestContext as { authorizer?: unknown }).authorizer;
  return event;
}

export interface LocalApi {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export interface LocalApiOptions {
  /** A request whose body has not fully arrived by then is answered 408 and closed (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Likewise for the headers (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** Where problems with a request are reported (default: stderr). */
  readonly onRequestError?: (message: string, error: unknown) => void;
  /** Which API Gateway to emulate (default `rest`): its event, its body encoding, its 404. */
  readonly apiType?: ApiType;
}

/**
 * Serves the routes from lambda/contract.ts and hands each request, as an API Gateway REST
 * proxy event or an HTTP API payload format 1.0 event (options.apiType), to the same handler
 * Lambda runs. Unknown paths get what API Gateway answers (REST: 403 "Missing Authentication
 * Token"; HTTP API: 404 "Not Found").
 *
 * No request can take the process down: a client that drops the connection half-way through
 * its body, resets it, or sends garbage is dropped (nothing was accepted, so nothing is
 * enqueued); a slow client is cut off after `requestTimeoutMs`; a handler that throws is a 502,
 * as API Gateway answers when its integration fails.
 */
export async function startLocalApi(
  handler: ProxyHandler,
  port: number,
  host: string,
  identity: LocalIdentity,
  options: LocalApiOptions = {},
): Promise<LocalApi> {
  const apiType = options.apiType ?? 'rest';
  const report =
    options.onRequestError ?? ((message: string, error: unknown) => console.error(`[local] ${message}:`, error instanceof Error ? error.message : error));
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname.replace(/\/+$/, '') || '/';
    const iam = path === REGISTRATION_ROUTE.path && req.method === REGISTRATION_ROUTE.method;
    const route = iam ? REGISTRATION_ROUTE : ROUTES.find((r) => r.path === path && r.method === req.method);
    if (!route) return apiType === 'http' ? sendJson(res, 404, { message: 'Not Found' }) : sendJson(res, 403, { message: 'Missing Authentication Token' });
    let body: Buffer | 'too_large';
    try {
      body = await readBody(req, API_GATEWAY_MAX_BYTES);
    } catch (error) {
      // The client went away before its body arrived: there is nobody to answer.
      report('request body not received (client aborted)', error);
      res.destroy();
      return;
    }
    if (body === 'too_large') return sendJson(res, 413, { message: 'Request Too Long' });
    // AWS_IAM authorization, as API Gateway does it: a bad signature never reaches the function.
    if (iam) {
      const check = await verifySigV4(req, body, identity);
      if (!check.ok) return sendJson(res, check.status, { message: check.message });
    }
    let result: APIGatewayProxyResult;
    try {
      result = await handler(
        toProxyEvent(req, route, body, 'local', iam ? identity.userArn : null, apiType),
        lambdaContext('authenticator', HANDLERS.authenticator),
      );
    } catch (error) {
      // What API Gateway returns when the integration fails.
      report('authenticator threw', error);
      return sendJson(res, 502, { message: 'Internal server error' });
    }
    res.writeHead(result.statusCode, (result.headers ?? {}) as Record<string, string>);
    res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  };
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout),
      // How often Node looks for requests past those limits (its default, 30 s, would let a slow client linger).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, requestTimeout / 4)),
    },
    (req, res) => {
      // A socket that fails while we write the answer must not become an unhandled error.
      res.on('error', (error) => report('response not delivered', error));
      req.on('error', () => undefined); // surfaces in readBody; this only keeps it from being unhandled
      serve(req, res).catch((error: unknown) => {
        report('request failed', error);
        if (!res.headersSent && !res.destroyed) sendJson(res, 502, { message: 'Internal server error' });
        else res.destroy();
      });
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP, or a timed-out request: answer if the socket still can, then close it.
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable && !socket.destroyed) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const bound = await listen(server, port, host);
  return { baseUrl: `http://${host}:${bound}`, stop: () => close(server) };
}
