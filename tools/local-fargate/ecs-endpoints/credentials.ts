// The task role's credentials, as ECS hands them to a task's containers:
// assumed from STS, held, and renewed before they expire.

/** What ECS's credentials endpoint answers, and the AWS SDKs read. */
export interface RoleCredentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  /** RFC 3339, UTC. */
  readonly Expiration: string;
  readonly RoleArn: string;
}

/** STS's AssumeRole, reduced to what is used (main.ts adapts @aws-sdk/client-sts; tests pass a fake). */
export type AssumeRole = (input: { roleArn: string; sessionName: string; durationSeconds: number }) => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}>;

export interface TaskRoleOptions {
  readonly roleArn: string;
  /** ECS names the role session after the task. */
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly assumeRole: AssumeRole;
  /**
   * Renewed once less than this remains. More than the SDKs' own five
   * minutes: a client that refreshes then gets newer credentials, not the
   * same ones again.
   */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

export const REFRESH_MARGIN_MS = 15 * 60_000;

export class TaskRoleCredentials {
  readonly #options: TaskRoleOptions;
  readonly #marginMs: number;
  readonly #now: () => number;
  #current: { credentials: RoleCredentials; expiresAt: number } | undefined;
  #renewing: Promise<RoleCredentials> | undefined;

  constructor(options: TaskRoleOptions) {
    this.#options = options;
    this.#marginMs = options.refreshMarginMs ?? REFRESH_MARGIN_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The credentials held, or new ones when those are within the margin of
   * their expiry: one AssumeRole however many callers ask at once. When STS
   * fails, credentials that have not expired yet are still served.
   */
  async get(): Promise<RoleCredentials> {
    const current = this.#current;
    if (current !== undefined && current.expiresAt - this.#now() > this.#marginMs) return current.credentials;
    this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined));
    try {
      return await this.#renewing;
    } catch (error) {
      if (current !== undefined && current.expiresAt > this.#now()) return current.credentials;
      throw error;
    }
  }

  async #renew(): Promise<RoleCredentials> {
    const { roleArn, sessionName, durationSeconds, assumeRole } = this.#options;
    const assumed = await assumeRole({ roleArn, sessionName, durationSeconds });
    const credentials: RoleCredentials = {
      AccessKeyId: assumed.accessKeyId,
      SecretAccessKey: assumed.secretAccessKey,
      Token: assumed.sessionToken,
      Expiration: assumed.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      RoleArn: roleArn,
    };
    this.#current = { credentials, expiresAt: assumed.expiration.getTime() };
    return credentials;
  }
}
