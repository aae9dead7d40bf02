import { Server } from 'node:net';

/** Hosts that mean "every interface" (and no host at all means the same to Node). */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

/**
 * Runs `start` with every server it starts listening on `host` (loopback) instead of on every
 * interface. fauxqs (2.4) listens on 0.0.0.0 whatever host it is given, and it takes any SQS/SNS
 * call without credentials: on every interface, anyone on the developer's network could queue a
 * notification that never passed the token check. Only a listen that names every interface (or
 * no host) is changed, and only while `start` runs.
 */
export async function onHost<T>(host: string, start: () => Promise<T>): Promise<T> {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const [first] = args;
    if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
      const options = first as { host?: string; path?: string; fd?: unknown; handle?: unknown };
      if (options.path === undefined && options.fd === undefined && options.handle === undefined && EVERY_INTERFACE.has(options.host ?? '')) {
        args[0] = { ...options, host };
      }
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      if (typeof args[1] !== 'string' || EVERY_INTERFACE.has(args[1])) args.splice(1, typeof args[1] === 'string' ? 1 : 0, host);
    }
    return (listen as (...a: unknown[]) => Server).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    Server.prototype.listen = listen;
  }
}
