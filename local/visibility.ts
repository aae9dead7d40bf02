/**
 * The processor's retry delays on the local runtime. The processor holds a failed message back
 * with ChangeMessageVisibility (1 min, 2, 4 … 1 h, as in AWS); locally, time runs `timeScale`
 * times faster, so this SDK middleware on the processor's own SQS client divides each delay by it
 * (fauxqs keeps visibility deadlines in milliseconds: a fraction of a second is honoured). It
 * also remembers which messages the processor held back, so the poller, playing Lambda's event
 * source mapping, leaves their visibility alone, as Lambda does.
 */
interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
    remove(name: string): boolean;
  };
}

export interface RetryClock {
  /** Queue seconds per local second: 3600 plays an hour of retries in a second. */
  readonly timeScale: number;
  /** Every delay the processor set, in queue seconds (before scaling), oldest first. */
  readonly delays: readonly number[];
  /** Whether the processor held this message back since it was received (asked once per receipt). */
  heldBack(receiptHandle: string): boolean;
  uninstall(): void;
}

let installed = 0;

export function installRetryClock(client: unknown, timeScale: number): RetryClock {
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  const held = new Set<string>();
  const delays: number[] = [];
  const name = `local-retry-clock-${++installed}`;
  const stack = (client as MiddlewareClient).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ChangeMessageVisibilityCommand') return next(args);
      const input = args.input as { ReceiptHandle: string; VisibilityTimeout: number };
      const result = await next({ ...args, input: { ...input, VisibilityTimeout: input.VisibilityTimeout / timeScale } });
      held.add(input.ReceiptHandle);
      delays.push(input.VisibilityTimeout);
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    timeScale,
    delays,
    heldBack: (receiptHandle) => held.delete(receiptHandle),
    uninstall: () => void stack.remove(name),
  };
}
