/**
 * The Lambda entry of a handler module: its factory applied to the configuration read from
 * `process.env` and the real AWS clients, once per execution environment, on its first event (its
 * cold start); a missing setting fails that event with the setting's name. Building on the first
 * event rather than at import keeps the handler modules free of side effects, so the local
 * runtime and the tests import the same factories and call them with their own configuration and
 * clients, without writing `process.env`.
 */
export function lambdaEntry<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
  let handler: ((...args: A) => R) | undefined;
  return (...args: A) => {
    handler ??= build();
    return handler(...args);
  };
}
