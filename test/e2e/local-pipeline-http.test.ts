/**
 * The local pipeline with apiType http (LOCAL_API_TYPE=http for npm start): the webhook API is
 * the HTTP API emulation, in front of the real emulators. (Apart from local-api-profiles.test.ts,
 * whose SQS and Secrets Manager clients are mocked in-process.)
 */
import { startLocalPipeline } from '../../local/pipeline.js';

test('the local pipeline serves the HTTP API when asked (apiType http): its 404, and a notification accepted end to end', async () => {
  const pipeline = await startLocalPipeline({ port: 0, apiType: 'http', logLevel: 'SILENT', reconcileEverySeconds: 0, sweepEverySeconds: 0 });
  try {
    expect((await fetch(`${pipeline.urls.api}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
    const res = await fetch(pipeline.urls.callback, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-seller-token': pipeline.tokens.sellerToken },
      body: JSON.stringify({ referenceId: '102030', authorizationId: '555008cef7f321d00ef236333' }),
    });
    expect(res.status).toBe(200);
  } finally {
    await pipeline.stop();
  }
}, 60_000);

test('the local pipeline refuses an apiType it does not know', async () => {
  await expect(startLocalPipeline({ port: 0, apiType: 'websocket' as never, logLevel: 'SILENT' })).rejects.toThrow('apiType must be "rest" or "http"');
});
