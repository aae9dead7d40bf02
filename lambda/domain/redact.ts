import { type Node, parseTree } from 'jsonc-parser';

/**
 * Personal data (LGPD) is removed from a notification body before it is enqueued, so it never
 * reaches the queue, the DLQ, the table (parked items) or a log line.
 *
 * What is removed: every JSON object member, at any depth, whose name is a personal field
 * (see `isPersonalKey`): the customer/buyer/payer blocks, CPF/CNPJ documents (the merchant's
 * own `merchantDocument` included), e-mail, names, phone numbers, birth dates, addresses and
 * card data. Nothing the state rules read has such a name (type, eventDate, id, status,
 * amounts, merchantChargeId, chargeId, 3DS fields, referenceId, authorizationId).
 *
 * How: the members are cut out of the bytes as received (with the comma that separated them),
 * every other byte is left exactly as it was: whitespace, number spelling, key order and
 * duplicate keys included. The body is read through its Latin-1 view, a one-to-one mapping of
 * bytes to characters, so this works on any byte string: valid UTF-8, a Latin-1 body, or JSON
 * cut short in transit (a tolerant parser still finds the members of a truncated body).
 * A body that is not JSON at all is left unchanged: it has no members to find.
 */

/** Normalized names (lower case, letters and digits only) that are personal wherever they appear. */
const PERSONAL_NAMES = new Set([
  // blocks that describe a person
  'customer',
  'buyer',
  'payer',
  'consumer',
  'holder',
  'cardholder',
  'client',
  'recipient',
  'sender',
  'owner',
  // documents
  'document',
  'documentnumber',
  'documentvalue',
  'cpf',
  'cnpj',
  'cpfcnpj',
  'taxid',
  'taxpayerid',
  'nationalid',
  'rg',
  // names
  'name',
  'fullname',
  'firstname',
  'lastname',
  'middlename',
  'surname',
  'socialname',
  'nickname',
  'mothername',
  'fathername',
  // contact
  'email',
  'mail',
  'phone',
  'phonenumber',
  'telephone',
  'mobile',
  'mobilephone',
  'cellphone',
  'cellphonenumber',
  // other personal data
  'birthdate',
  'dateofbirth',
  'birthday',
  'address',
  'billingaddress',
  'shippingaddress',
  'zipcode',
  'postalcode',
  'cep',
  // card data
  'card',
  'cardnumber',
  'pan',
  'cvv',
  'cvc',
  'securitycode',
  'cardholdername',
  'holdername',
  'expirationdate',
  'expirationmonth',
  'expirationyear',
  'bin',
  'lastdigits',
  'lastfourdigits',
  'firstdigits',
]);

/** Suffixes that make a name personal: `merchantDocument`, `payerEmail`, `buyerPhone`, `customerName`… */
const PERSONAL_SUFFIXES = ['document', 'cpf', 'cnpj', 'email', 'phone', 'phonenumber', 'birthdate', 'cardnumber'];
const PERSONAL_NAME_PREFIXES = ['customer', 'buyer', 'payer', 'holder', 'cardholder', 'client', 'consumer', 'recipient', 'sender', 'owner'];

export function isPersonalKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (PERSONAL_NAMES.has(k)) return true;
  if (PERSONAL_SUFFIXES.some((s) => k.endsWith(s))) return true;
  return k.endsWith('name') && PERSONAL_NAME_PREFIXES.some((p) => k.startsWith(p));
}

/**
 * The deepest nesting of `{` and `[` outside strings, scanned byte by byte without recursion, so
 * any body (valid JSON or not, cut short or not) is measured safely. Brackets inside a comment
 * are counted too: the measure can be larger than the tree's, never smaller.
 */
export function jsonDepth(body: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (inString) {
      if (byte === 0x5c)
        i++; // a backslash escapes the next byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) deepest = Math.max(deepest, ++depth);
    else if ((byte === 0x7d || byte === 0x5d) && depth > 0) depth--;
  }
  return deepest;
}

export interface Redaction {
  /** The body with personal members cut out (the same Buffer when nothing was removed). */
  readonly bytes: Buffer;
  /** Where the removed members were, as JSON paths (`data.customer`, `items[0].email`); never their values. */
  readonly removed: readonly string[];
}

export function redactPersonalData(body: Buffer): Redaction {
  // Structural JSON characters are ASCII, and Latin-1 maps each byte to one character, so
  // character offsets in this view are byte offsets in `body`.
  // The parse errors are not read: the options (comments, trailing commas) only change those,
  // never the tree, and the tolerant tree is what finds members of a body cut short.
  const root = parseTree(body.toString('latin1'));
  if (!root) return { bytes: body, removed: [] };
  const cuts: Array<[number, number]> = [];
  const removed: string[] = [];
  collect(root, '', cuts, removed);
  if (cuts.length === 0) return { bytes: body, removed: [] };
  // `collect` walks the tree in text order, so the cuts come sorted and never overlap.
  const parts: Buffer[] = [];
  let at = 0;
  for (const [start, end] of cuts) {
    parts.push(body.subarray(at, start));
    at = end;
  }
  parts.push(body.subarray(at));
  return { bytes: Buffer.concat(parts), removed };
}

/** jsonc-parser makes a property node only for a string key, and gives it that key as its first child. */
const keyOf = (property: Node): string => property.children![0]!.value as string;

const end = (n: Node) => n.offset + n.length;

function collect(node: Node, path: string, cuts: Array<[number, number]>, removed: string[]): void {
  if (node.type === 'array') {
    for (const [i, child] of node.children!.entries()) collect(child, `${path}[${i}]`, cuts, removed);
    return;
  }
  if (node.type !== 'object') return;
  // An object node's children are its property nodes (jsonc-parser).
  const members = node.children!;
  const personal = members.map((m) => isPersonalKey(keyOf(m)));
  // A leading run of personal members goes up to the start of the first member kept (its
  // comma included); any later personal member goes from the end of the member before it.
  let lead = 0;
  while (personal[lead]) lead++;
  if (lead > 0) {
    const stop = lead < members.length ? members[lead]!.offset : end(members[lead - 1]!);
    cuts.push([members[0]!.offset, stop]);
  }
  members.forEach((member, i) => {
    const key = keyOf(member);
    const here = path === '' ? key : `${path}.${key}`;
    if (personal[i]) {
      removed.push(here);
      if (i >= lead) cuts.push([end(members[i - 1]!), end(member)]);
      return;
    }
    // A member cut short (`{"data":`) has its key and no value.
    const value = member.children![1];
    if (value) collect(value, here, cuts, removed);
  });
}
