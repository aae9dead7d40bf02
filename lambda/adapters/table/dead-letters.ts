import { BatchGetCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contract.js';
import { DEAD_LETTER_PK, type Table } from './table.js';

/** Why the processor gave up on a message it let go to the dead-letter queue. */
export interface DeadLetterNote {
  readonly messageId: string;
  readonly requestId?: string;
  readonly code: string;
  readonly message: string;
  readonly receiveCount: number;
  readonly at: string;
}

/**
 * Dead-letter notes: pk `DEADLETTER`, sk the SQS message id. SQS keeps no reason with a
 * dead-lettered message; this is it, for an operator listing the DLQ.
 */
export class DeadLetterNotes {
  constructor(private readonly table: Table) {}

  /** Best effort: the caller ignores a failure here, since the message reaches the DLQ either way. */
  async note(note: DeadLetterNote): Promise<void> {
    await this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...this.table.key(DEAD_LETTER_PK, note.messageId), ...note } }));
  }

  /** The notes of those of `messageIds` that have one, by message id. */
  async find(messageIds: readonly string[]): Promise<Map<string, DeadLetterNote>> {
    const notes = new Map<string, DeadLetterNote>();
    const { client, name } = this.table;
    for (let i = 0; i < messageIds.length; i += 100) {
      const keys = messageIds.slice(i, i + 100).map((id) => this.table.key(DEAD_LETTER_PK, id));
      const out = await this.table.call(() => client.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: keys } } })));
      for (const item of out.Responses?.[name] ?? []) notes.set(String(item[TABLE.sortKey]), item as DeadLetterNote);
    }
    return notes;
  }

  async delete(messageId: string): Promise<void> {
    await this.table.call(() => this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: this.table.key(DEAD_LETTER_PK, messageId) })));
  }
}
