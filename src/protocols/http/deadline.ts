/**
 * One reusable timer per connection instead of a `setTimeout` per request: `arm()` re-inserts the
 * same Timeout with `refresh()` (O(1), no allocation), and a firing that belongs to a request that
 * has already finished is recognised by its generation number and ignored. Node timers never fire
 * early, so a timeout fires between `timeoutMs` and `timeoutMs` + one event-loop turn.
 */
export class DeadlineTimer {
  #timer: NodeJS.Timeout | undefined = undefined;
  #timeoutMs = -1;
  #armedGen = -1;
  #gen = 0;
  readonly #onExpire: () => void;
  readonly #fire = (): void => {
    if (this.#armedGen === this.#gen) {
      this.#armedGen = -1;
      this.#onExpire();
    }
  };

  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /** Starts the deadline for a new request. A `timeoutMs` <= 0 or non-finite disables it. */
  arm(timeoutMs: number): void {
    this.#gen++;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      this.#armedGen = -1;
      return;
    }
    this.#armedGen = this.#gen;
    if (this.#timer !== undefined && this.#timeoutMs === timeoutMs) {
      this.#timer.refresh();
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timeoutMs = timeoutMs;
    // unref: an in-flight request holds a socket (or a pending connect), which keeps the loop alive.
    this.#timer = setTimeout(this.#fire, timeoutMs).unref();
  }

  /** The current request finished: a later firing is a no-op (the timer itself stays allocated). */
  disarm(): void {
    this.#armedGen = -1;
  }

  dispose(): void {
    this.#armedGen = -1;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timeoutMs = -1;
  }
}
