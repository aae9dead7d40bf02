import { isPersonalKey, redactPersonalData } from '../../lambda/domain/redact.js';

const redact = (text: string) => {
  const r = redactPersonalData(Buffer.from(text, 'utf8'));
  return { text: r.bytes.toString('utf8'), removed: r.removed };
};

describe('isPersonalKey: names are compared in lower case, letters and digits only', () => {
  test.each(['e-mail', 'E_MAIL', 'birth_date', 'Birth-Date', 'card number', 'CPF/CNPJ', 'zip-code', 'last-four-digits'])('%s is personal', (key) => {
    expect(isPersonalKey(key)).toBe(true);
  });
});

describe('isPersonalKey: a name of a person block (customerName, payer_name…) is personal', () => {
  test.each(['customerName', 'payer_name', 'holderName', 'buyerFullName', 'ClientName', 'consumer-name', 'recipientName', 'senderName', 'ownerName'])(
    '%s is personal',
    (key) => {
      expect(isPersonalKey(key)).toBe(true);
    },
  );

  test.each([
    // ends with "name" but no person block before it
    'productName',
    'storeName',
    'merchantName',
    'eventName',
    // starts with a person block but is not a name, a document or contact data
    'customerId',
    'clientId',
    'payerType',
    'ownerAccountId',
    // what the state rules read
    'referenceId',
    'authorizationId',
    'merchantChargeId',
    'status',
    'type',
  ])('%s is kept', (key) => {
    expect(isPersonalKey(key)).toBe(false);
  });
});

describe('redactPersonalData: bodies with nothing to remove come back as the same Buffer', () => {
  test.each([
    ['empty', ''],
    ['blank', '  \n'],
    ['form-encoded', 'referenceId=102030&authorizationId=555'],
    ['plain text', 'hello'],
    ['a JSON string holding a brace', '"{\\"email\\":1}"'],
    ['a JSON array of numbers', '[1,2,3]'],
    ['JSON without personal members', '{"referenceId":"102030","authorizationId":"555008cef7f321d00ef236333"}'],
    ['JSON cut short, nothing personal', '{"referenceId":"102030","data":'],
  ])('%s', (_name, text) => {
    const body = Buffer.from(text, 'utf8');
    const result = redactPersonalData(body);
    expect(result.bytes).toBe(body);
    expect(result.removed).toEqual([]);
  });
});

describe('redactPersonalData: paths and cuts', () => {
  test('a member inside an array element is named with its index', () => {
    expect(redact('{"items":[{"x":1},{"email":"a@b.c","y":2}]}')).toEqual({
      text: '{"items":[{"x":1},{"y":2}]}',
      removed: ['items[1].email'],
    });
  });

  test('a top-level array names its elements by index alone', () => {
    expect(redact('[{"x":1},[{"cpf":"1"}]]')).toEqual({ text: '[{"x":1},[{}]]', removed: ['[1][0].cpf'] });
  });

  test('a body cut short after a key keeps that key and still loses the personal member before it', () => {
    expect(redact('{"email":"a@b.c","data":')).toEqual({ text: '{"data":', removed: ['email'] });
    expect(redact('{"x":1,"phone":"1","data":')).toEqual({ text: '{"x":1,"data":', removed: ['phone'] });
  });

  test('nested personal members after a kept member are cut with their comma, in order', () => {
    expect(redact('{"a":{"name":"A","b":1,"cpf":"2"},"email":"e","c":[{"phone":"3"},{"d":4}]}')).toEqual({
      text: '{"a":{"b":1},"c":[{},{"d":4}]}',
      removed: ['a.name', 'a.cpf', 'email', 'c[0].phone'],
    });
  });

  test('comments and trailing commas do not stop a member from being found', () => {
    expect(redact('{"x":1,/* note */"email":"a",}')).toEqual({ text: '{"x":1,}', removed: ['email'] });
  });
});

describe("the Java SDK's webhook model: cardholder, payer and sub-merchant address are removed", () => {
  test('credit.cardholder*, credit.subMerchant.address and pix.payer go; the payment fields stay', () => {
    const body =
      '{"transactions":[{"paymentType":"CREDIT","credit":{"cardholderName":"Ana Silva","cardholderDocument":"12345678901","brand":"VISA","nsu":"1","subMerchant":{"merchantCategoryCode":"5999","address":{"street":"Rua A"}}}},' +
      '{"paymentType":"PIX","pix":{"endToEndId":"E1","payer":{"id":"p","name":"Ana","documentNumber":"1","type":"CPF","bankIspb":"0","branchNumber":"1","bankName":"B"}}}]}';
    expect(redact(body)).toEqual({
      text: '{"transactions":[{"paymentType":"CREDIT","credit":{"brand":"VISA","nsu":"1","subMerchant":{"merchantCategoryCode":"5999"}}},{"paymentType":"PIX","pix":{"endToEndId":"E1"}}]}',
      removed: [
        'transactions[0].credit.cardholderName',
        'transactions[0].credit.cardholderDocument',
        'transactions[0].credit.subMerchant.address',
        'transactions[1].pix.payer',
      ],
    });
  });
});
