import {
  boundedText,
  checkoutPaymentSchema,
  checkoutThreeDsSchema,
  legacyCallbackSchema,
  legacyStatusSchema,
  lenientCents,
  linkTransactionsSchema,
  paymentLinkSchema,
  reaisToCents,
} from '../../lambda/domain/payloads.js';

// Free text is kept up to 64 characters (docs: limits); ids up to 200.

describe('boundedText', () => {
  test('a value of exactly 64 characters is kept whole', () => {
    const s = 'a'.repeat(64);
    expect(boundedText(s)).toBe(s);
  });

  test('a value of 65 characters is cut to 63 and an ellipsis', () => {
    expect(boundedText('b'.repeat(65))).toBe(`${'b'.repeat(63)}…`);
  });
});

describe('optional text fields (authorizationId, eciRaw, paymentType)', () => {
  const authorization = (authorizationId: unknown) => legacyCallbackSchema.parse({ referenceId: 'ref-1', authorizationId }).authorizationId;

  test('a string is trimmed', () => {
    expect(authorization('  auth-1  ')).toBe('auth-1');
  });

  test('a blank string is unknown (null), not an empty value', () => {
    expect(authorization('   ')).toBeNull();
    expect(authorization('')).toBeNull();
  });

  test('a number is read as its decimal text', () => {
    expect(authorization(123)).toBe('123');
    const eci = checkoutThreeDsSchema.parse({ type: 'THREE_DS_CHALLENGE', data: { status: 'Approved', merchantChargeId: 'c1', eciRaw: 5 } }).data.eciRaw;
    expect(eci).toBe('5');
  });

  test('anything else (boolean, object, null) is unknown (null)', () => {
    expect(authorization(true)).toBeNull();
    expect(authorization({ id: 'x' })).toBeNull();
    expect(authorization(null)).toBeNull();
  });
});

describe('lenientCents', () => {
  test('integers and integer strings (surrounding whitespace allowed) are centavos', () => {
    expect(lenientCents(1029)).toBe(1029);
    expect(lenientCents('1029')).toBe(1029);
    expect(lenientCents(' 1029 ')).toBe(1029);
    expect(lenientCents('-50')).toBe(-50);
  });

  test('strings JavaScript would read as numbers but are not plain integers are unknown', () => {
    expect(lenientCents('0x10')).toBeNull();
    expect(lenientCents('1e3')).toBeNull();
    expect(lenientCents('10.29')).toBeNull();
    expect(lenientCents('')).toBeNull();
    expect(lenientCents('abc')).toBeNull();
  });

  test('non-numbers are unknown even when they would coerce to one', () => {
    expect(lenientCents(null)).toBeNull();
    expect(lenientCents(true)).toBeNull();
    expect(lenientCents([1029])).toBeNull();
    expect(lenientCents(['1029'])).toBeNull();
  });

  test('a fraction or an unsafe integer is unknown', () => {
    expect(lenientCents(10.5)).toBeNull();
    expect(lenientCents(2 ** 53)).toBeNull();
  });
});

describe('legacy summary amounts (reais)', () => {
  const authorized = (value: unknown) => legacyStatusSchema.parse({ status: 'paid', summary: { authorized: value } }).summary?.authorized;

  test('numbers and decimal strings (surrounding whitespace allowed) are reais', () => {
    expect(authorized(10.29)).toBe(10.29);
    expect(authorized('10.29')).toBe(10.29);
    expect(authorized(' 10.29 ')).toBe(10.29);
    expect(authorized('10')).toBe(10);
    expect(authorized('-5.5')).toBe(-5.5);
  });

  test('strings JavaScript would read as numbers but are not plain decimals are unknown', () => {
    expect(authorized('0x10')).toBeNull();
    expect(authorized('1e3')).toBeNull();
    expect(authorized('10.')).toBeNull();
    expect(authorized('abc')).toBeNull();
  });

  test('a decimal string too large for a finite number is unknown', () => {
    expect(authorized('9'.repeat(400))).toBeNull();
  });

  test('non-numbers are unknown even when they would coerce to one', () => {
    expect(authorized(null)).toBeNull();
    expect(authorized(true)).toBeNull();
    expect(authorized([10])).toBeNull();
  });
});

describe('checkout payment: first transaction paymentType', () => {
  const paymentType = (transactions: unknown) =>
    checkoutPaymentSchema.parse({ type: 'PAYMENT', data: { status: 'PAID', merchantChargeId: 'c1', transactions } }).data.transactions;

  test('the first transaction paymentType, trimmed', () => {
    expect(paymentType([{ paymentType: 'PIX' }, { paymentType: 'CREDIT' }])).toBe('PIX');
    expect(paymentType([{ paymentType: ' WALLET ' }])).toBe('WALLET');
  });

  test('not a list (null, an object with index keys, a string) gives null', () => {
    expect(paymentType(null)).toBeNull();
    expect(paymentType({ 0: { paymentType: 'PIX' } })).toBeNull();
    expect(paymentType('PIX')).toBeNull();
  });

  test('an empty list or a first entry that is not an object gives null', () => {
    expect(paymentType([])).toBeNull();
    expect(paymentType([null])).toBeNull();
    expect(paymentType(['PIX'])).toBeNull();
    expect(paymentType([{}])).toBeNull();
  });

  test('a paymentType that is not a non-blank string gives null', () => {
    expect(paymentType([{ paymentType: 5 }])).toBeNull();
    expect(paymentType([{ paymentType: '   ' }])).toBeNull();
  });
});

describe('payment link originalTransactionId', () => {
  const original = (originalTransactionId: unknown) =>
    paymentLinkSchema.parse({ data: { transaction: { id: 't1', status: 'REFUNDED', originalTransactionId } } }).data.transaction.originalTransactionId;

  test('a UUID is kept, trimmed', () => {
    expect(original(' 6f1c2a4e-0000-4000-8000-000000000001 ')).toBe('6f1c2a4e-0000-4000-8000-000000000001');
  });

  test('blank or non-string is null', () => {
    expect(original('  ')).toBeNull();
    expect(original(null)).toBeNull();
    expect(original(42)).toBeNull();
  });

  test('a value longer than 200 characters is cut to 200', () => {
    expect(original('x'.repeat(250))).toBe('x'.repeat(200));
  });
});

describe('reaisToCents', () => {
  test('reais become integer centavos', () => {
    expect(reaisToCents(10.29)).toBe(1029);
    expect(reaisToCents(0)).toBe(0);
  });

  test('unknown stays unknown', () => {
    expect(reaisToCents(null)).toBeNull();
    expect(reaisToCents(undefined)).toBeNull();
  });
});

describe('Payment Link find-transactions: nextPage', () => {
  const page = (nextPage: unknown) => linkTransactionsSchema.parse({ originId: 'l', transactions: [], nextPage }).nextPage;
  test.each([
    ['/paymentlink/l/transactions?page=2&perPage=100', '/paymentlink/l/transactions?page=2&perPage=100'],
    ['', null],
    [null, null],
    [undefined, null],
    [2, null],
  ])('%j is read as %j', (given, read) => {
    expect(page(given)).toBe(read);
  });
});
