/**
 * Doctor's advice follows the failure (issue: a network failure, a TLS failure, a 403 and an AWS
 * API error each get their own advice; a service the region does not offer is said as such).
 * The errors are built by hand the way Node's fetch and the AWS SDK v3 shape them: fetch throws
 * `TypeError('fetch failed')` with the socket error in `cause`; the SDK throws errors named after
 * the service's exception.
 */
import { adviceFor } from '../../cli/advice.js';

const fetchFailed = (cause: Record<string, unknown>) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(String(cause.code)), cause) });
const aws = (name: string, message = name) => Object.assign(new Error(message), { name });

test.each([
  [fetchFailed({ code: 'ENOTFOUND', hostname: 'pagamentos.sualoja.com.br' }), 'the host pagamentos.sualoja.com.br does not resolve', /DNS record/],
  [
    fetchFailed({ code: 'ENOTFOUND', hostname: 'sqs.mars-west-1.amazonaws.com' }),
    'the AWS endpoint sqs.mars-west-1.amazonaws.com does not resolve',
    /not offered in sa-east-1/,
  ],
  [fetchFailed({ code: 'ECONNREFUSED' }), 'the connection was refused', /npm start/],
  [fetchFailed({ code: 'UND_ERR_CONNECT_TIMEOUT' }), 'no answer in time', /firewall/],
  [aws('TimeoutError', 'The operation was aborted due to timeout'), 'no answer in time', /firewall/],
  [fetchFailed({ code: 'ECONNRESET' }), 'the connection was cut', /proxy or firewall/],
  [fetchFailed({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'TLS failed (ERR_TLS_CERT_ALTNAME_INVALID)', /certificateArn/],
  [fetchFailed({ code: 'CERT_HAS_EXPIRED' }), 'TLS failed (CERT_HAS_EXPIRED)', /certificate/],
  [aws('CredentialsProviderError', 'Could not load credentials from any providers'), 'no AWS credentials found', /AWS_PROFILE/],
  [aws('ExpiredTokenException'), 'the AWS session expired', /sso login/],
  [aws('UnrecognizedClientException'), 'AWS does not accept these credentials', /get-caller-identity/],
  [aws('OptInRequired'), 'the account does not have sa-east-1 enabled', /opt-in/],
  [
    aws('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/dev/x is not authorized to perform: secretsmanager:GetSecretValue'),
    'your AWS role is not allowed to do this',
    /operatorRoleArns/,
  ],
  [aws('QueueDoesNotExist'), 'the AWS resource does not exist', /--region/],
  [aws('ThrottlingException'), 'AWS throttled the request', /wait a minute/],
  [new Error('something else'), 'the check failed', /credentials, region and permissions/],
])('%s: %s', (error, what, fix) => {
  const advice = adviceFor(error, { region: 'sa-east-1' });
  expect(advice.what).toBe(what);
  expect(advice.fix).toMatch(fix);
});

test('a cause chain that loops is read, not followed forever', () => {
  const a = new Error('a') as Error & { cause?: unknown };
  const b = Object.assign(new Error('b'), { cause: a });
  a.cause = b;
  expect(adviceFor(a).what).toBe('the check failed');
});
