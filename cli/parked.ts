import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ParkedItem } from '../lambda/adapters/table/parked.js';
import { type Io, replayEach, table } from './io.js';
import { eachLine } from './terminal.js';
import { CliError, type Clients, type Target } from './target.js';

export async function listParked(clients: Clients): Promise<ParkedItem[]> {
  return clients.stores.parked.list();
}

/** `parked list`: what was authenticated but could not be processed, with the reason. */
export async function parkedList(json: boolean, target: Target, clients: Clients, io: Io): Promise<number> {
  const items = await listParked(clients);
  if (json) {
    eachLine(
      JSON.stringify(
        items.map(({ envelope, ...rest }) => ({ ...rest, envelope: JSON.parse(envelope) as unknown })),
        null,
        2,
      ),
      (line) => io.out(line),
    );
    return 0;
  }
  if (items.length === 0) {
    io.out(`Nothing parked in ${target.name}.`);
    return 0;
  }
  io.out(`${items.length} parked notification(s) in ${target.name}:`);
  for (const line of table([['  id', 'reason', 'flavour', 'detail'], ...items.map((i) => [`  ${i.id}`, i.reason, i.flavour, i.message])])) io.out(line);
  io.out("Replay one with: picpay-webhooks parked replay '<id>'   (or --all)");
  return 0;
}

/**
 * `parked replay`: sends each parked notification back to the queue, exactly as it was
 * first enqueued, and deletes the parked item only after SQS accepted it.
 */
export async function parkedReplay(ids: readonly string[], all: boolean, target: Target, clients: Clients, io: Io): Promise<number> {
  const items = await listParked(clients);
  const chosen = all ? items : items.filter((i) => ids.includes(i.id));
  const missing = all ? [] : ids.filter((id) => !items.some((i) => i.id === id));
  if (!all && ids.length === 0) throw new CliError('Name the parked notifications to replay, or pass --all.');
  for (const id of missing) io.err(`No parked notification ${id}.`);
  return replayEach(chosen, missing.length, io, {
    id: (item) => item.id,
    send: (item) => clients.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: item.envelope })),
    remove: (item) => clients.stores.parked.delete(item.id),
    staysIn: 'parked',
  });
}
