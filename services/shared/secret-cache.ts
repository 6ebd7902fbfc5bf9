// A value fetched from somewhere slow or rate-limited (Secrets Manager), kept
// in memory and refreshed in the background. What AWS's own caching clients
// do, in one small class: a TTL, a refresh before it runs out, the last good
// value kept when a refresh fails, one fetch at a time, and forced refreshes
// that cannot turn into a flood.

export interface SecretCacheOptions<T> {
  /** Fetches the value. Its errors are reported to onError, never thrown at callers of value. */
  readonly load: () => Promise<T>;
  /** How long a value is fresh. A refresh starts before it runs out. */
  readonly ttlMs: number;
  /** How long the value before the last change is still accepted (see previous). */
  readonly graceMs: number;
  /** Forced refreshes closer together than this share the last one's result. */
  readonly minForcedIntervalMs: number;
  /** Retry delays after a failed fetch: doubling from initial, capped at max. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly onError: (error: unknown, attempt: number, hasValue: boolean) => void;
  readonly onChange?: (first: boolean) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class SecretCache<T> {
  readonly #options: SecretCacheOptions<T>;
  readonly #now: () => number;
  readonly #random: () => number;
  #value: T | undefined;
  #previous: { value: T; until: number } | undefined;
  #inflight: Promise<void> | undefined;
  #lastForced = -Infinity;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SecretCacheOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** The current value, or undefined until the first fetch has succeeded. */
  get value(): T | undefined {
    return this.#value;
  }

  /** The value the last change replaced, while its grace period lasts. */
  get previous(): T | undefined {
    const previous = this.#previous;
    return previous !== undefined && this.#now() < previous.until ? previous.value : undefined;
  }

  /** Starts fetching (retrying until the first success) and refreshing. Returns at once. */
  start(): void {
    this.#stopped = false;
    void this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * Fetches now unless a fetch is already running (then it waits for that
   * one). `force` is for "the value may have changed" (a token we do not
   * know): rate-limited, a forced refresh soon after another one just waits
   * for that one.
   */
  refresh(options: { force?: boolean } = {}): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    if (options.force === true) {
      if (this.#now() - this.#lastForced < this.#options.minForcedIntervalMs) return Promise.resolve();
      this.#lastForced = this.#now();
    }
    this.#inflight = this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    clearTimeout(this.#timer);
    let next: number;
    try {
      const value = await this.#options.load();
      this.#failures = 0;
      this.#replace(value);
      // Refresh between 80% and 95% of the TTL: before it runs out, and not
      // in step with every other task that started at the same moment.
      next = this.#options.ttlMs * (0.8 + 0.15 * this.#random());
    } catch (error) {
      this.#failures += 1;
      this.#options.onError(error, this.#failures, this.#value !== undefined);
      const { initialMs, maxMs } = this.#options.retry;
      next = Math.min(maxMs, initialMs * 2 ** (this.#failures - 1));
    }
    if (!this.#stopped) {
      this.#timer = setTimeout(() => void this.refresh(), next);
      this.#timer.unref();
    }
  }

  #replace(value: T): void {
    const first = this.#value === undefined;
    if (!first && value === this.#value) return;
    if (!first) this.#previous = { value: this.#value as T, until: this.#now() + this.#options.graceMs };
    this.#value = value;
    this.#options.onChange?.(first);
  }
}
