import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { close, listen, readBody, sendJson } from './http.js';

/**
 * A minimal Secrets Manager endpoint (GetSecretValue, PutSecretValue; AWS JSON 1.1 protocol)
 * so the handlers read their tokens through the same SDK and Powertools code path as in AWS.
 * Written here because neither npm emulator we use (dynalite, fauxqs) covers Secrets Manager
 * and the alternatives need Docker or Python.
 */
export interface SecretsEmulator {
  readonly endpoint: string;
  put(secretId: string, value: string): void;
  stop(): Promise<void>;
}

export async function startSecretsEmulator(host = '127.0.0.1'): Promise<SecretsEmulator> {
  const secrets = new Map<string, { value: string; versionId: string; created: number }>();
  const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`;
  const find = (id: string) => {
    const name = id.startsWith('arn:') ? (id.split(':secret:')[1] ?? id) : id;
    return { name, entry: secrets.get(name) };
  };

  const server = createServer(async (req, res) => {
    const raw = await readBody(req, 1024 * 1024);
    const target = String(req.headers['x-amz-target'] ?? '');
    const error = (type: string, message: string) => sendJson(res, 400, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });
    let input: { SecretId?: string; SecretString?: string };
    try {
      input = raw === 'too_large' ? {} : (JSON.parse(raw.toString('utf8') || '{}') as typeof input);
    } catch {
      return error('InvalidRequestException', 'Malformed JSON');
    }
    const { name, entry } = find(input.SecretId ?? '');
    if (target === 'secretsmanager.GetSecretValue') {
      if (!entry) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return sendJson(
        res,
        200,
        {
          ARN: arnOf(name),
          Name: name,
          VersionId: entry.versionId,
          SecretString: entry.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: entry.created / 1000,
        },
        { 'content-type': 'application/x-amz-json-1.1' },
      );
    }
    if (target === 'secretsmanager.PutSecretValue') {
      if (!entry) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const versionId = randomUUID();
      secrets.set(name, { value: input.SecretString ?? '', versionId, created: Date.now() });
      return sendJson(
        res,
        200,
        { ARN: arnOf(name), Name: name, VersionId: versionId, VersionStages: ['AWSCURRENT'] },
        {
          'content-type': 'application/x-amz-json-1.1',
        },
      );
    }
    return error('InvalidAction', `Unsupported action ${target}`);
  });
  const port = await listen(server, 0, host);
  return {
    endpoint: `http://${host}:${port}`,
    put(secretId, value) {
      secrets.set(secretId, { value, versionId: randomUUID(), created: Date.now() });
    },
    stop: () => close(server),
  };
}
