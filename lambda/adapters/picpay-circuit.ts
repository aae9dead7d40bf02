import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, type CircuitBreakerPolicy, circuitBreaker, handleAll } from 'cockatiel';
import { PicPayCircuitOpenError } from '../domain/errors.js';

export interface PicPayCircuitOptions {
  /** The API it guards, as errors and logs name it, e.g. "PicPay status API". */
  readonly name: string;
  /** Failed requests in a row (429, 5xx, timeout, network error) that open the circuit. */
  readonly failuresToOpen: number;
  /** How long an open circuit refuses requests before it lets one through as a probe. */
  readonly coolDownMs: number;
}

export type CircuitEvent = 'opened' | 'half_open' | 'closed';
export type CircuitStateName = 'closed' | 'open' | 'half_open';

/** A 429 or 5xx: PicPay answered, but unhealthy. Carries the answer back out of the breaker. */
class UnhealthyAnswer extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * A circuit breaker around one PicPay API, shared by every record a warm processor handles (the
 * records of a batch run in parallel, and the next batches reuse it). After `failuresToOpen`
 * failed requests in a row it opens: requests fail at once with PicPayCircuitOpenError, a
 * retryable error, so each record backs off in the queue instead of spending its timeouts and
 * in-invocation attempts on an API that is down. After `coolDownMs` one request goes through as
 * a probe (the others wait for its outcome): any answer but 429/5xx closes the circuit, a failure
 * opens it for another cool-down.
 *
 * cockatiel's ConsecutiveBreaker: no timers (the state is read on each call, with Date.now), so
 * nothing keeps running while Lambda freezes the environment between invocations.
 */
export class PicPayCircuit {
  readonly name: string;
  private readonly policy: CircuitBreakerPolicy;
  private readonly options: PicPayCircuitOptions;

  constructor(options: PicPayCircuitOptions) {
    this.options = options;
    this.name = options.name;
    this.policy = circuitBreaker(handleAll, { halfOpenAfter: options.coolDownMs, breaker: new ConsecutiveBreaker(options.failuresToOpen) });
  }

  /**
   * Sends one request through the breaker. A 429 or 5xx answer counts against PicPay and is
   * returned to the caller like any other answer; a timeout or network error counts and is thrown
   * as it was. Throws PicPayCircuitOpenError, without sending, while the circuit is open.
   */
  async request(send: () => Promise<Response>): Promise<Response> {
    try {
      return await this.policy.execute(async () => {
        const response = await send();
        if (response.status === 429 || response.status >= 500) throw new UnhealthyAnswer(response);
        return response;
      });
    } catch (error) {
      if (error instanceof UnhealthyAnswer) return error.response;
      if (error instanceof BrokenCircuitError) {
        throw new PicPayCircuitOpenError(
          `${this.name} failed on recent requests: circuit open, not called for up to ${Math.ceil(this.options.coolDownMs / 1000)} s`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Calls `listener` when the circuit opens, lets a probe through, or closes again. */
  onChange(listener: (event: CircuitEvent) => void): void {
    this.policy.onBreak(() => listener('opened'));
    this.policy.onHalfOpen(() => listener('half_open'));
    this.policy.onReset(() => listener('closed'));
  }

  get state(): CircuitStateName {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half_open';
      default:
        return 'open';
    }
  }
}
