import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ProbeLog } from '../../domain/ports.js';
import type { ProbeRecord } from '../../domain/probe.js';
import { PROBE_PK, type Table } from './table.js';

/** Probes from `picpay-webhooks doctor`: pk `PROBE`, sk the probe id (the doctor deletes it). */
export class ProbeStore implements ProbeLog {
  constructor(private readonly table: Table) {}

  async recordProbe(record: ProbeRecord): Promise<void> {
    await this.table.call(() =>
      this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...this.table.key(PROBE_PK, record.probeId), ...record } })),
    );
  }

  /** A probe's record, once the processor has handled it; null before. */
  async find(probeId: string): Promise<ProbeRecord | null> {
    const { client, name } = this.table;
    const out = await this.table.call(() => client.send(new GetCommand({ TableName: name, Key: this.table.key(PROBE_PK, probeId), ConsistentRead: true })));
    return out.Item ? (out.Item as ProbeRecord) : null;
  }

  async delete(probeId: string): Promise<void> {
    await this.table.call(() => this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: this.table.key(PROBE_PK, probeId) })));
  }
}
