/**
 * Security of the local runtime (`npm start`): it runs on a developer's machine, often on a shared
 * network. Its emulators take no credentials (fauxqs accepts any SQS/SNS call, so anyone who can
 * reach it could queue a notification that never passed the token check), so every listener binds
 * loopback only. And the local IAM route verifies SigV4 as API Gateway does: over the body received.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { signForExecuteApi } from '../../cli/sigv4-sign.js';
import { REGISTRATION_ROUTE } from '../../lambda/contract.js';
import { type LocalApi, startLocalApi } from '../../local/api-gateway.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';

/** The TCP sockets this process listens on, with their local address, read from /proc (Linux). */
function listeningSockets(): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const sockets: { address: string; port: number }[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue; // 0A: LISTEN
      const [hex, port] = f[1]!.split(':');
      sockets.push({ address: hex!, port: Number.parseInt(port!, 16) });
    }
  }
  return sockets;
}

/** 127.0.0.1 (IPv4, little-endian in /proc), ::1, and 127.0.0.1 mapped into IPv6. */
const LOOPBACK = new Set(['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

describe('security: every listener of the local pipeline binds loopback only', () => {
  let pipeline: LocalPipeline;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({ port: 0, logLevel: 'SILENT', reconcileEverySeconds: 0 });
  }, 60_000);
  afterAll(async () => {
    await pipeline?.stop();
  });

  test('the API, dynalite, fauxqs (SQS/SNS), the secrets emulator and the PicPay sandbox: none on another interface', () => {
    const sockets = listeningSockets();
    const ports = (urls: string[]) => urls.map((u) => Number(new URL(u).port));
    const expected = ports([pipeline.urls.api, pipeline.endpoints.dynamodb, pipeline.endpoints.sqs, pipeline.endpoints.secretsManager, pipeline.urls.picpay]);
    // Each of them is among the listeners found, so the check below looks at them all.
    expect(expected.filter((p) => !sockets.some((s) => s.port === p))).toEqual([]);
    expect(sockets.filter((s) => !LOOPBACK.has(s.address))).toEqual([]);
  });
});

describe('security: the local IAM route (POST /charges) verifies the signature over the body it received', () => {
  const identity = { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1', userArn: 'arn:aws:iam::000000000000:user/local' };
  const seen: APIGatewayProxyEvent[] = [];
  let api: LocalApi;
  let url: string;
  beforeAll(async () => {
    api = await startLocalApi(
      async (event) => {
        seen.push(event);
        return { statusCode: 202, body: '{}' };
      },
      0,
      '127.0.0.1',
      identity,
    );
    url = `${api.baseUrl}${REGISTRATION_ROUTE.path}`;
  });
  afterAll(() => api.stop());
  beforeEach(() => void (seen.length = 0));

  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  /** A signer that, like several SigV4 clients, signs the x-amz-content-sha256 header too. */
  async function signWithContentHash(body: string, contentHash: string): Promise<Record<string, string>> {
    const u = new URL(url);
    const signer = new SignatureV4({ credentials: identity, region: identity.region, service: 'execute-api', sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign({
      method: 'POST',
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: u.pathname,
      query: {},
      headers: { host: u.host, 'content-type': 'application/json', 'x-amz-content-sha256': contentHash },
      body,
    });
    return signed.headers as Record<string, string>;
  }

  const signedBody = JSON.stringify({ referenceId: 'merchant-1' });
  const otherBody = JSON.stringify({ referenceId: 'attacker-chosen' });

  test('control: a correctly signed request is accepted (with and without x-amz-content-sha256)', async () => {
    const plain = await signForExecuteApi(url, 'POST', signedBody, identity, identity.region);
    expect((await fetch(url, { method: 'POST', headers: plain, body: signedBody })).status).toBe(202);
    const hashed = await signWithContentHash(signedBody, sha256(signedBody));
    expect((await fetch(url, { method: 'POST', headers: hashed, body: signedBody })).status).toBe(202);
    expect(seen.map((e) => Buffer.from(e.body ?? '', e.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'))).toEqual([signedBody, signedBody]);
  });

  test('a signature made over one body, sent with another: 403, the function never sees it', async () => {
    const headers = await signWithContentHash(signedBody, sha256(signedBody));
    const res = await fetch(url, { method: 'POST', headers, body: otherBody });
    expect(res.status).toBe(403);
    expect(seen).toEqual([]);
  });

  test('UNSIGNED-PAYLOAD (a signature over no body at all): 403', async () => {
    const headers = await signWithContentHash(otherBody, 'UNSIGNED-PAYLOAD');
    const res = await fetch(url, { method: 'POST', headers, body: otherBody });
    expect(res.status).toBe(403);
    expect(seen).toEqual([]);
  });

  test("the CLI's own signature (which signs x-amz-content-sha256 too) sent with another body: 403", async () => {
    const headers = await signForExecuteApi(url, 'POST', signedBody, identity, identity.region);
    expect((await fetch(url, { method: 'POST', headers, body: otherBody })).status).toBe(403);
    expect(seen).toEqual([]);
  });
});
