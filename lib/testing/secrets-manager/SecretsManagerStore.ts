import { randomBytes, randomUUID } from 'node:crypto';

import { SECRETS_MANAGER_STAGES } from './constants.js';
import { SecretsManagerApiError } from './SecretsManagerApiError.js';

/** A secret's value: text (`SecretString`) or bytes (`SecretBinary`). */
export type SecretsManagerValue = string | Uint8Array;

/** One version of a secret. */
export interface StoredSecretVersion {
  readonly versionId: string;
  readonly value: SecretsManagerValue;
  readonly created: Date;
  /** The staging labels attached to this version (they move; see {@link SecretsManagerStore}). */
  readonly stages: Set<string>;
}

/** One secret with every version it has had. */
export interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly description: string | undefined;
  readonly created: Date;
  lastChanged: Date;
  /** Set while the secret is scheduled for deletion. */
  deleted: Date | undefined;
  /** Whether reads of this secret are refused with `AccessDeniedException`. */
  denied: boolean;
  /** Oldest first. */
  readonly versions: Map<string, StoredSecretVersion>;
}

/** Construction options of {@link SecretsManagerStore}. */
export interface SecretsManagerStoreOptions {
  /** Region named in ARNs. */
  region: string;
  /** Account id named in ARNs. */
  accountId: string;
  /** Clock for `CreatedDate` and the like (default: `() => new Date()`). */
  now?: () => Date;
}

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";
const { current: CURRENT, previous: PREVIOUS } = SECRETS_MANAGER_STAGES;

/**
 * The data behind the loopback Secrets Manager server: secrets, their versions and staging labels,
 * with no HTTP in sight. Labels move as in a real rotation: a label is on at most one version;
 * when `AWSCURRENT` moves, the version that had it gets `AWSPREVIOUS`. Errors are
 * {@link SecretsManagerApiError}s that never carry a value.
 *
 * @example
 * ```ts
 * const store = new SecretsManagerStore({ region: 'us-east-1', accountId: '123456789012' });
 * const first = store.create({ name: 'prod/db', value: '{"password":"s3cr3t"}' }).version!.versionId;
 * const next = store.putValue({ secretId: 'prod/db', value: '{"password":"n3w"}', stages: ['AWSPENDING'] }).version.versionId;
 * store.updateStage({ secretId: 'prod/db', stage: 'AWSCURRENT', moveTo: next, removeFrom: first });
 * store.getValue({ secretId: 'prod/db', stage: 'AWSPREVIOUS' }).version.versionId === first; // true
 * ```
 */
export class SecretsManagerStore {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #arnPrefix: string;
  readonly #now: () => Date;

  constructor(options: SecretsManagerStoreOptions) {
    this.#arnPrefix = `arn:aws:secretsmanager:${options.region}:${options.accountId}:secret:`;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Creates a secret, with a first version labelled `AWSCURRENT` when a value is given.
   * @throws ResourceExistsException, or InvalidRequestException when the name is scheduled for deletion
   */
  create(input: { name: string; value?: SecretsManagerValue; versionId?: string; description?: string }): {
    secret: StoredSecret;
    version: StoredSecretVersion | undefined;
  } {
    const { name } = input;
    if (!NAME_PATTERN.test(name)) {
      throw SecretsManagerApiError.invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    }
    const existing = this.#secrets.get(name);
    if (existing?.deleted !== undefined) {
      throw new SecretsManagerApiError('InvalidRequestException', 400, "You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    if (existing !== undefined) throw new SecretsManagerApiError('ResourceExistsException', 400, `The operation failed because the secret ${name} already exists.`);
    const now = this.#now();
    const secret: StoredSecret = {
      name,
      arn: `${this.#arnPrefix}${name}-${randomSuffix()}`,
      description: input.description,
      created: now,
      lastChanged: now,
      deleted: undefined,
      denied: false,
      versions: new Map(),
    };
    this.#secrets.set(name, secret);
    const version = input.value === undefined ? undefined : this.#addVersion(secret, input.value, input.versionId, [CURRENT]);
    return { secret, version };
  }

  /**
   * Adds a version, labelled `stages` (default `['AWSCURRENT']`). Writing an existing `versionId`
   * again with the same value changes nothing; with another value it is `ResourceExistsException`.
   */
  putValue(input: { secretId: string; value: SecretsManagerValue; versionId?: string; stages?: readonly string[] }): {
    secret: StoredSecret;
    version: StoredSecretVersion;
  } {
    const secret = this.resolve(input.secretId);
    const stages = input.stages ?? [CURRENT];
    if (stages.length === 0 || stages.length > 20 || stages.some((s) => s.length === 0 || s.length > 256)) {
      throw SecretsManagerApiError.invalidParameter('VersionStages must hold 1 to 20 labels of 1 to 256 characters.');
    }
    const again = input.versionId === undefined ? undefined : secret.versions.get(input.versionId);
    if (again !== undefined) {
      if (!sameValue(again.value, input.value)) {
        throw new SecretsManagerApiError('ResourceExistsException', 400, `A version with VersionId ${again.versionId} already exists with a different value.`);
      }
      return { secret, version: again };
    }
    return { secret, version: this.#addVersion(secret, input.value, input.versionId, stages) };
  }

  /**
   * Moves a staging label, as `UpdateSecretVersionStage` does: to `moveTo` (removing it from the
   * version that has it, which must then be named in `removeFrom`), or off `removeFrom` alone.
   * Moving `AWSCURRENT` gives `AWSPREVIOUS` to the version that had it; `AWSCURRENT` cannot just
   * be removed.
   */
  updateStage(input: { secretId: string; stage: string; moveTo?: string; removeFrom?: string }): StoredSecret {
    const secret = this.resolve(input.secretId);
    const { stage, moveTo, removeFrom } = input;
    if (stage.length === 0 || stage.length > 256) throw SecretsManagerApiError.invalidParameter('VersionStage must have 1 to 256 characters.');
    const holder = holderOf(secret, stage);
    for (const id of [moveTo, removeFrom]) {
      if (id !== undefined && !secret.versions.has(id)) throw SecretsManagerApiError.invalidParameter(`The secret ${secret.name} has no version ${id}.`);
    }
    if (removeFrom !== undefined && holder?.versionId !== removeFrom) {
      throw SecretsManagerApiError.invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}.`);
    }
    if (moveTo === undefined) {
      if (removeFrom === undefined) throw SecretsManagerApiError.invalidParameter('Give MoveToVersionId, RemoveFromVersionId or both.');
      if (stage === CURRENT) {
        throw SecretsManagerApiError.invalidParameter(`You can only move ${CURRENT} to another version (MoveToVersionId); it cannot be removed.`);
      }
      holder?.stages.delete(stage);
    } else {
      if (holder !== undefined && holder.versionId !== moveTo && removeFrom === undefined) {
        throw SecretsManagerApiError.invalidParameter(
          `The staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      attachStage(secret, stage, secret.versions.get(moveTo) as StoredSecretVersion);
    }
    secret.lastChanged = this.#now();
    return secret;
  }

  /**
   * The version a read selects: `versionId`, `stage`, both (they must agree) or neither
   * (`AWSCURRENT`).
   */
  getValue(input: { secretId: string; versionId?: string; stage?: string }): { secret: StoredSecret; version: StoredSecretVersion } {
    const secret = this.resolve(input.secretId);
    if (secret.denied) {
      throw new SecretsManagerApiError('AccessDeniedException', 400, `User is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret.name}`);
    }
    const { versionId, stage } = input;
    const version = versionId !== undefined ? secret.versions.get(versionId) : holderOf(secret, stage ?? CURRENT);
    if (version === undefined) {
      const what = versionId !== undefined ? `VersionId: ${versionId}` : `staging label: ${stage ?? CURRENT}`;
      throw SecretsManagerApiError.notFound(`Secrets Manager can't find the specified secret value for ${what}`);
    }
    if (versionId !== undefined && stage !== undefined && !version.stages.has(stage)) {
      throw SecretsManagerApiError.invalidParameter(`The version ${versionId} does not have the staging label ${stage}.`);
    }
    return { secret, version };
  }

  /** The secret, even one scheduled for deletion (as `DescribeSecret` sees it). */
  describe(secretId: string): StoredSecret {
    return this.resolve(secretId, { allowDeleted: true });
  }

  /**
   * Schedules a secret for deletion (reads then fail with `InvalidRequestException`), or removes
   * it at once with `force`. Returns the deletion date.
   */
  delete(secretId: string, options: { force?: boolean; recoveryWindowInDays?: number } = {}): { secret: StoredSecret; deletionDate: Date } {
    const secret = this.resolve(secretId);
    const days = options.recoveryWindowInDays ?? 30;
    if (options.force === true && options.recoveryWindowInDays !== undefined) {
      throw SecretsManagerApiError.invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    if (!Number.isInteger(days) || days < 7 || days > 30) throw SecretsManagerApiError.invalidParameter('RecoveryWindowInDays must be from 7 to 30.');
    const now = this.#now();
    if (options.force === true) {
      this.#secrets.delete(secret.name);
      return { secret, deletionDate: now };
    }
    secret.deleted = now;
    return { secret, deletionDate: new Date(now.getTime() + days * 86_400_000) };
  }

  /** Lifts a scheduled deletion (`RestoreSecret`). */
  restore(secretId: string): StoredSecret {
    const secret = this.resolve(secretId, { allowDeleted: true });
    secret.deleted = undefined;
    return secret;
  }

  /** Makes reads of a secret fail with `AccessDeniedException` (or succeed again). */
  setDenied(secretId: string, denied: boolean): void {
    this.resolve(secretId, { allowDeleted: true }).denied = denied;
  }

  /**
   * Finds a secret by name, full ARN, or ARN without the random suffix.
   * @throws ResourceNotFoundException, or InvalidRequestException for a secret scheduled for deletion
   */
  resolve(secretId: string, options: { allowDeleted?: boolean } = {}): StoredSecret {
    let secret = this.#secrets.get(secretId);
    if (secret === undefined && secretId.startsWith(this.#arnPrefix)) {
      const rest = secretId.slice(this.#arnPrefix.length);
      secret = [...this.#secrets.values()].find((s) => s.arn === secretId) ?? this.#secrets.get(rest);
    }
    if (secret === undefined) throw SecretsManagerApiError.notFound();
    if (secret.deleted !== undefined && options.allowDeleted !== true) {
      throw new SecretsManagerApiError('InvalidRequestException', 400, MARKED_FOR_DELETION);
    }
    return secret;
  }

  #addVersion(secret: StoredSecret, value: SecretsManagerValue, versionId: string | undefined, stages: readonly string[]): StoredSecretVersion {
    if (typeof value === 'string' ? value.length === 0 : value.byteLength === 0) {
      throw SecretsManagerApiError.invalidParameter('You must provide either SecretString or SecretBinary, and it must not be empty.');
    }
    const id = versionId ?? randomUUID();
    if (id.length < 32 || id.length > 64) throw SecretsManagerApiError.invalidParameter('ClientRequestToken must have 32 to 64 characters.');
    const version: StoredSecretVersion = {
      versionId: id,
      value: typeof value === 'string' ? value : Uint8Array.from(value),
      created: this.#now(),
      stages: new Set(),
    };
    secret.versions.set(id, version);
    for (const stage of new Set(stages)) attachStage(secret, stage, version);
    secret.lastChanged = version.created;
    return version;
  }
}

/** Puts `stage` on `target` only; moving `AWSCURRENT` hands `AWSPREVIOUS` to its last holder. */
function attachStage(secret: StoredSecret, stage: string, target: StoredSecretVersion): void {
  const holder = holderOf(secret, stage);
  if (holder === target) return;
  holder?.stages.delete(stage);
  target.stages.add(stage);
  if (stage === CURRENT && holder !== undefined) {
    holderOf(secret, PREVIOUS)?.stages.delete(PREVIOUS);
    holder.stages.add(PREVIOUS);
  }
}

function holderOf(secret: StoredSecret, stage: string): StoredSecretVersion | undefined {
  for (const version of secret.versions.values()) if (version.stages.has(stage)) return version;
  return undefined;
}

function sameValue(a: SecretsManagerValue, b: SecretsManagerValue): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

function randomSuffix(): string {
  return [...randomBytes(6)].map((byte) => SUFFIX_ALPHABET[byte % SUFFIX_ALPHABET.length]).join('');
}
