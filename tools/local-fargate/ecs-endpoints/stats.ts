// Docker's stats for the task's containers, kept as ECS's agent keeps them:
// a stream per container, the latest document served at once. Asking Docker
// for one document takes one to two seconds (it waits for its next
// samples), longer than a client such as the frontend waits. A stream is
// opened on the first request for a container and closed once nobody has
// asked for a while, so an idle task costs Docker nothing.
import type { DockerApi, DockerStats } from './docker.ts';

interface Watch {
  readonly controller: AbortController;
  readonly idle: NodeJS.Timeout;
  latest: DockerStats | undefined;
  /** Settles with the first document, or null when the stream ends or none comes in time. */
  readonly first: Promise<DockerStats | null>;
}

export interface StatsOptions {
  /** The stream is closed after this long without a request. */
  readonly idleMs?: number;
  /** How long the first request for a container waits for Docker's first document. */
  readonly firstTimeoutMs?: number;
  readonly onError?: (error: unknown, containerId: string) => void;
}

export class StatsCache {
  readonly #docker: DockerApi;
  readonly #idleMs: number;
  readonly #firstTimeoutMs: number;
  readonly #onError: (error: unknown, containerId: string) => void;
  readonly #watches = new Map<string, Watch>();

  constructor(docker: DockerApi, options: StatsOptions = {}) {
    this.#docker = docker;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#firstTimeoutMs = options.firstTimeoutMs ?? 1_500;
    this.#onError = options.onError ?? (() => {});
  }

  /** The latest stats document of a running container; null when Docker has none to give in time. */
  async latest(containerId: string): Promise<DockerStats | null> {
    const watch = this.#watches.get(containerId) ?? this.#watch(containerId);
    watch.idle.refresh();
    return watch.latest ?? watch.first;
  }

  /** The containers whose stats are being streamed now. */
  get watched(): string[] {
    return [...this.#watches.keys()];
  }

  close(): void {
    for (const watch of this.#watches.values()) watch.controller.abort();
  }

  #watch(containerId: string): Watch {
    const controller = new AbortController();
    let settle!: (value: DockerStats | null) => void;
    const first = new Promise<DockerStats | null>((resolve) => (settle = resolve));
    const timeout = setTimeout(() => settle(null), this.#firstTimeoutMs).unref();
    const watch: Watch = {
      controller,
      idle: setTimeout(() => controller.abort(), this.#idleMs).unref(),
      latest: undefined,
      first,
    };
    this.#watches.set(containerId, watch);
    void (async () => {
      try {
        for await (const document of this.#docker.stats(containerId, controller.signal)) {
          watch.latest = document;
          settle(document);
        }
      } catch (error) {
        if (!controller.signal.aborted) this.#onError(error, containerId);
      } finally {
        clearTimeout(timeout);
        clearTimeout(watch.idle);
        settle(null);
        if (this.#watches.get(containerId) === watch) this.#watches.delete(containerId);
      }
    })();
    return watch;
  }
}
