/**
 * How long a notification that failed waits before its next try. The processor sets the
 * message's visibility to this delay (SQS ChangeMessageVisibility), so the queue itself holds the
 * message back: the longer a dependency stays down, the less often each message knocks on it.
 */
export interface BackoffPolicy {
  /** Delay after the first failed receive (seconds). */
  readonly baseSeconds: number;
  /** No delay is longer than this (seconds). */
  readonly capSeconds: number;
  /** Fraction (0..1) taken off at random, so messages that failed together spread out. */
  readonly jitter: number;
}

/** SQS refuses a visibility timeout above 12 hours. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** The delay before jitter: base × 2^(receive − 1), capped. A receive count below 1 (or not a number) counts as 1. */
export function nominalDelaySeconds(receiveCount: number, policy: Pick<BackoffPolicy, 'baseSeconds' | 'capSeconds'>): number {
  const n = Number.isFinite(receiveCount) ? Math.max(1, Math.floor(receiveCount)) : 1;
  return Math.min(policy.capSeconds, SQS_MAX_VISIBILITY_SECONDS, policy.baseSeconds * 2 ** (n - 1));
}

/**
 * Whole seconds to wait after a failure on the `receiveCount`-th receive: the nominal delay less
 * up to `jitter` of it, so between nominal × (1 − jitter) and nominal. `random` returns a number
 * in [0, 1), like Math.random.
 */
export function retryDelaySeconds(receiveCount: number, policy: BackoffPolicy, random: () => number): number {
  const nominal = nominalDelaySeconds(receiveCount, policy);
  return Math.ceil(nominal * (1 - policy.jitter * random()));
}

/**
 * How long a message that fails on every receive keeps being retried before its last receive:
 * the delays after receives 1 … maxReceiveCount − 1 (the last receive sets none; the message then
 * goes to the DLQ). `shortest` assumes the most jitter, `longest` none.
 */
export function retryWindowSeconds(maxReceiveCount: number, policy: BackoffPolicy): { readonly shortest: number; readonly longest: number } {
  let shortest = 0;
  let longest = 0;
  for (let receive = 1; receive < maxReceiveCount; receive++) {
    const nominal = nominalDelaySeconds(receive, policy);
    shortest += Math.ceil(nominal * (1 - policy.jitter));
    longest += nominal;
  }
  return { shortest, longest };
}
