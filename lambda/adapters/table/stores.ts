import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ChargeStore } from './charges.js';
import { DeadLetterNotes } from './dead-letters.js';
import { LastSeenStore } from './last-seen.js';
import { EventLogStore } from './event-log.js';
import { PaymentLinkStore } from './links.js';
import { OutboxIndexStore } from './outbox-index.js';
import { ParkedStore } from './parked.js';
import { ProbeStore } from './probes.js';
import { ReconcileIndexStore } from './reconcile-index.js';
import { Table } from './table.js';

/** Every store over one table: what the handlers, the local runtime, the CLI and the chaos oracle use. */
export interface TableStores {
  readonly charges: ChargeStore;
  readonly outbox: OutboxIndexStore;
  readonly reconcile: ReconcileIndexStore;
  readonly parked: ParkedStore;
  readonly deadLetters: DeadLetterNotes;
  readonly probes: ProbeStore;
  readonly links: PaymentLinkStore;
  readonly lastSeen: LastSeenStore;
  readonly eventLog: EventLogStore;
}

export interface StoreOptions {
  /**
   * Days a charge in a final state, and a logged event, are kept after their last change
   * (`retentionDays`, DynamoDB TTL); undefined: kept forever. Only writers need it.
   */
  readonly retentionDays?: number;
}

/** `client` from documentClientFor (table.ts): items keep no `undefined` members. */
export function tableStores(client: DynamoDBDocumentClient, tableName: string, options: StoreOptions = {}): TableStores {
  const table = new Table(client, tableName);
  return {
    charges: new ChargeStore(table, options.retentionDays),
    outbox: new OutboxIndexStore(table),
    reconcile: new ReconcileIndexStore(table),
    parked: new ParkedStore(table),
    deadLetters: new DeadLetterNotes(table),
    probes: new ProbeStore(table),
    links: new PaymentLinkStore(table),
    lastSeen: new LastSeenStore(table),
    eventLog: new EventLogStore(table, options.retentionDays),
  };
}
