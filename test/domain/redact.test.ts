import fc from 'fast-check';
import { PROPERTY_RUNS } from '../property-runs.support.js';
import { isPersonalKey, redactPersonalData } from '../../lambda/domain/redact.js';

const redact = (text: string) => {
  const r = redactPersonalData(Buffer.from(text, 'utf8'));
  return { text: r.bytes.toString('utf8'), removed: r.removed };
};

describe('redactPersonalData', () => {
  test("PicPay's checkout example loses the customer block and the merchant document, nothing else", () => {
    const body =
      '{"type":"PAYMENT","eventDate":"2024-07-01T16:00:00-03:00","merchantDocument":"123456789012","id":"21b9",' +
      '"data":{"status":"PAID","amount":10000,"customer":{"document":"123456789","documentType":"CPF","email":"pessoa.silva@email.com","name":"Pessoa Da Silva"},"merchantChargeId":"61e3"}}';
    expect(redact(body)).toEqual({
      text: '{"type":"PAYMENT","eventDate":"2024-07-01T16:00:00-03:00","id":"21b9","data":{"status":"PAID","amount":10000,"merchantChargeId":"61e3"}}',
      removed: ['merchantDocument', 'data.customer'],
    });
  });

  test.each([
    ['first member', '{"email":"a@b.c", "x":1}', '{"x":1}'],
    ['last member', '{"x":1 , "cpf":"111.222.333-44"}', '{"x":1}'],
    ['only member', '{ "name" : "Ana 🌸" }', '{  }'],
    ['leading run', '{"name":"A","phone":"1", "x":1,"y":2}', '{"x":1,"y":2}'],
    ['middle run', '{"x":1,"name":"A","phone":"1","y":2}', '{"x":1,"y":2}'],
    ['every member', '{"name":"A","phone":"1"}', '{}'],
    ['inside arrays', '[{"x":1,"cardNumber":"4111111111111111"},{"holderName":"A"}]', '[{"x":1},{}]'],
    ['duplicate keys, both removed', '{"email":"a","x":1,"email":"b"}', '{"x":1}'],
    ['escaped key', '{"e\\u006dail":"a@b.c","x":1}', '{"x":1}'],
    ['key in any case and separators', '{"Customer_Email":"a","BUYER-PHONE":"1","x":1}', '{"x":1}'],
    ['whitespace and number spelling kept', '{ "x" : 1.50e2 ,\n "buyer":{"document":"1"}\n}', '{ "x" : 1.50e2\n}'],
    ['truncated in transit', '{"type":"PAYMENT","data":{"status":"PAID","customer":{"name":"Ana","email":"a@b', '{"type":"PAYMENT","data":{"status":"PAID"'],
    ['not JSON: unchanged', 'name=Ana&cpf=111', 'name=Ana&cpf=111'],
    [
      'nothing personal: unchanged',
      '{"referenceId":"102030","authorizationId":"555008cef7f321d00ef236333"}',
      '{"referenceId":"102030","authorizationId":"555008cef7f321d00ef236333"}',
    ],
  ])('%s', (_name, input, output) => {
    expect(redact(input).text).toBe(output);
  });

  test('bytes that are not UTF-8 (Latin-1) are redacted byte for byte', () => {
    const body = Buffer.concat([Buffer.from('{"x":"S'), Buffer.from([0xe3]), Buffer.from('o","name":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const out = redactPersonalData(body).bytes;
    expect([...out]).toEqual([...Buffer.concat([Buffer.from('{"x":"S'), Buffer.from([0xe3]), Buffer.from('o"}')])]);
  });

  test.each([
    'type',
    'eventDate',
    'id',
    'status',
    'amount',
    'originalAmount',
    'refundedAmount',
    'merchantChargeId',
    'chargeId',
    'paresStatus',
    'eciRaw',
    'referenceId',
    'authorizationId',
    'merchantCode',
    'transactions',
    'paymentType',
    'transactionId',
    'data',
    'summary',
  ])('keeps %s, which the state rules read', (key) => expect(isPersonalKey(key)).toBe(false));

  test('property: the result parses to the input with the personal members deleted', () => {
    const personal = fc.constantFrom('customer', 'buyer', 'email', 'name', 'cpf', 'document', 'phone', 'cardNumber', 'payerEmail', 'holderName');
    const safeKey = fc.constantFrom('a', 'status', 'amount', 'x_1', 'merchantChargeId', 'list');
    const tree = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.constant(null), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
      object: fc.dictionary(fc.oneof(personal, safeKey), tie('value'), { maxKeys: 5 }),
    }));
    // The oracle: delete the personal keys from the parsed object, independently of the cutter.
    const PERSONAL = new Set(['customer', 'buyer', 'email', 'name', 'cpf', 'document', 'phone', 'cardNumber', 'payerEmail', 'holderName']);
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k]) => !PERSONAL.has(k))
                .map(([k, x]) => [k, strip(x)]),
            )
          : v;
    fc.assert(
      fc.property(tree.object, fc.constantFrom(0, 2), (object, indent) => {
        const out = redact(JSON.stringify(object, null, indent)).text;
        expect(JSON.parse(out)).toEqual(strip(object));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
