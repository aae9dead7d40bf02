import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contract.js';
import type { Table } from './table.js';

/**
 * Event-log items: pk `EVENTS#<hour of recordedAt>` (`EVENTS#2026-12-04T15`), sk
 * `<recordedAt>#<transitionId>`: every charge event exactly as it was published (the SNS message
 * and its message attributes), written just before each publish (LoggedEventPublisher,
 * sns-publisher.ts). `picpay-webhooks events replay` reads it back: a time range is one Query
 * per hour bucket, a charge's events one GetItem per history entry. Written again, with the
 * same content, when an event is published again (a duplicate, the outbox sweep).
 */
export interface LoggedEvent {
  readonly transitionId: string;
  readonly chargeKey: string;
  /** The transition's recordedAt: the item's hour bucket and sort key. */
  readonly recordedAt: string;
  /** The SNS message, byte for byte. */
  readonly message: string;
  /** The SNS message attributes (all of DataType String). */
  readonly attributes: Readonly<Record<string, string>>;
}

const HOUR_MS = 3_600_000;

/** The hour bucket of an ISO time: `2026-12-04T15:04:05.000Z` → `EVENTS#2026-12-04T15`. */
export const eventLogPk = (recordedAt: string) => `${TABLE.eventLogPartitionPrefix}${recordedAt.slice(0, 13)}`;
export const eventLogSk = (recordedAt: string, transitionId: string) => `${recordedAt}#${transitionId}`;

/** `retentionDays` after `at` (an ISO time), in epoch seconds: DynamoDB's TTL; undefined when kept forever. */
export function purgeAtAfter(at: string, retentionDays: number | undefined): number | undefined {
  const ms = Date.parse(at);
  if (retentionDays === undefined || Number.isNaN(ms)) return undefined;
  return Math.floor(ms / 1000) + retentionDays * 86_400;
}

export class EventLogStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays?: number,
  ) {}

  /** Logs one event about to be published; a failure is DynamoDB's, and retryable (nothing is published unlogged). */
  async record(event: LoggedEvent): Promise<void> {
    const purgeAt = purgeAtAfter(event.recordedAt, this.retentionDays);
    const item = {
      ...this.table.key(eventLogPk(event.recordedAt), eventLogSk(event.recordedAt, event.transitionId)),
      transitionId: event.transitionId,
      chargeKey: event.chargeKey,
      recordedAt: event.recordedAt,
      message: event.message,
      attributes: { ...event.attributes },
      ...(purgeAt === undefined ? {} : { [TABLE.ttlAttribute]: purgeAt }),
    };
    await this.table.call(() => this.table.client.send(new PutCommand({ TableName: this.table.name, Item: item })));
  }

  /** One logged event, or null when it was never logged (or has expired). */
  async find(recordedAt: string, transitionId: string): Promise<LoggedEvent | null> {
    const out = await this.table.call(() =>
      this.table.client.send(new GetCommand({ TableName: this.table.name, Key: this.table.key(eventLogPk(recordedAt), eventLogSk(recordedAt, transitionId)) })),
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  /**
   * Every event recorded from `since` to `until` (ISO times as toISOString writes them, both
   * included), oldest first: one Query (paged) per hour bucket, never a Scan.
   */
  async between(since: string, until: string): Promise<LoggedEvent[]> {
    const events: LoggedEvent[] = [];
    const first = Date.parse(`${since.slice(0, 13)}:00:00.000Z`);
    const last = Date.parse(`${until.slice(0, 13)}:00:00.000Z`);
    for (let hour = first; hour <= last; hour += HOUR_MS) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.table.call(() =>
          this.table.client.send(
            new QueryCommand({
              TableName: this.table.name,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
              // `#` sorts before every character of a transitionId's successor ISO time: `until#￿` closes the range.
              ExpressionAttributeValues: { ':pk': eventLogPk(new Date(hour).toISOString()), ':from': since, ':to': `${until}#\uffff` },
              ExclusiveStartKey: start,
            }),
          ),
        );
        events.push(...(out.Items ?? []).map(fromItem));
        start = out.LastEvaluatedKey;
      } while (start);
    }
    return events;
  }
}

function fromItem(item: Record<string, unknown>): LoggedEvent {
  return {
    transitionId: String(item.transitionId),
    chargeKey: String(item.chargeKey),
    recordedAt: String(item.recordedAt),
    message: String(item.message),
    attributes: (item.attributes ?? {}) as Record<string, string>,
  };
}
