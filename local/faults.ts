/**
 * Fault injection for the local runtime: an SDK middleware on one of the handlers' own clients
 * that makes chosen commands fail, either the next N calls or a random fraction of them.
 * Used by the end-to-end tests (and the chaos suite) to prove nothing is lost when AWS fails.
 */
export interface FaultSwitch {
  /** Fail the next `count` calls. */
  failNext(count: number): void;
  /** Fail this fraction (0..1) of calls from now on. */
  setRate(rate: number): void;
  /** How many calls were failed so far. */
  readonly injected: number;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
    remove(name: string): boolean;
  };
}

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

let installed = 0;

/** `uninstall` takes the middleware off the client again (a later pipeline in the same process adds its own). */
export function installFaults(client: unknown, commandName: string, random: () => number = Math.random): FaultSwitch & { uninstall(): void } {
  let remaining = 0;
  let rate = 0;
  let injected = 0;
  const name = `local-faults-${commandName}-${++installed}`;
  (client as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName && (remaining > 0 || (rate > 0 && random() < rate))) {
        if (remaining > 0) remaining--;
        injected++;
        throw new InjectedFault(`Injected fault: ${commandName}`);
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    uninstall: () => void (client as MiddlewareClient).middlewareStack.remove(name),
    failNext: (count) => void (remaining = count),
    setRate: (value) => void (rate = value),
    get injected() {
      return injected;
    },
  };
}
