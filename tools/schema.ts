/**
 * `npm run schema`: writes docs/events.schema.json, the JSON Schema of the SNS event contract,
 * generated from `chargeEventSchema` (a test fails if the committed file is out of date).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { chargeEventSchema, EVENT_SPEC_VERSION } from '../lambda/domain/events.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../docs/events.schema.json', import.meta.url));

export function eventJsonSchema(): string {
  const schema = {
    $id: `urn:picpay-webhooks:charge-event:${EVENT_SPEC_VERSION}`,
    title: 'PicPay charge event',
    ...z.toJSONSchema(chargeEventSchema),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, eventJsonSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
