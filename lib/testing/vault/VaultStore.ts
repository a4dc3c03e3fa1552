/** Where a secret lives in the loopback Vault: namespace (`''` is the root), KV mount and path. */
export interface VaultLocation {
  namespace: string;
  mount: string;
  path: string;
}

/** The per-version metadata Vault returns with a read and after a write. */
export interface VaultVersionMetadata {
  created_time: string;
  custom_metadata: Record<string, string> | null;
  deletion_time: string;
  destroyed: boolean;
  version: number;
}

/** The result of reading one version. */
export type VaultStoreRead =
  | { kind: 'found'; data: Record<string, unknown>; metadata: VaultVersionMetadata }
  | { kind: 'gone'; metadata: VaultVersionMetadata }
  | { kind: 'missing' };

interface VersionRecord {
  data: Record<string, unknown> | undefined;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

interface SecretRecord {
  location: VaultLocation;
  versions: Map<number, VersionRecord>;
  currentVersion: number;
  createdTime: string;
  updatedTime: string;
  customMetadata: Record<string, string> | null;
}

/** A write's `cas` did not match the secret's current version. */
export class CasMismatch extends Error {
  constructor() {
    super('check-and-set parameter did not match the current version');
    this.name = 'CasMismatch';
  }
}

/**
 * The in-memory versioned key/value store behind the loopback Vault server, with KV v2's
 * semantics: every write is a new version; delete is soft (undelete restores it); destroy drops
 * the data for good; metadata lists every version; listing shows folders with a trailing `/`.
 *
 * @example
 * ```ts
 * const store = new VaultStore(() => new Date());
 * store.write({ namespace: '', mount: 'secret', path: 'db' }, { password: 'hunter2' });
 * ```
 */
export class VaultStore {
  readonly #secrets = new Map<string, SecretRecord>();
  readonly #now: () => Date;

  /** @param now - the clock for `created_time` and `deletion_time` */
  constructor(now: () => Date) {
    this.#now = now;
  }

  /**
   * Writes a new version and returns its metadata.
   * @param cas - when given, the write succeeds only if it equals the current version (0: absent)
   * @throws CasMismatch when `cas` does not match
   */
  write(location: VaultLocation, data: Readonly<Record<string, unknown>>, cas?: number): VaultVersionMetadata {
    const key = keyOf(location);
    const existing = this.#secrets.get(key);
    if (cas !== undefined && cas !== (existing?.currentVersion ?? 0)) throw new CasMismatch();
    const time = this.#timestamp();
    const record: SecretRecord = existing ?? {
      location: { ...location },
      versions: new Map(),
      currentVersion: 0,
      createdTime: time,
      updatedTime: time,
      customMetadata: null,
    };
    record.currentVersion += 1;
    record.updatedTime = time;
    // A deep copy, so that later changes to the caller's object do not rewrite history.
    record.versions.set(record.currentVersion, {
      data: structuredClone({ ...data }),
      createdTime: time,
      deletionTime: '',
      destroyed: false,
    });
    this.#secrets.set(key, record);
    return versionMetadata(record, record.currentVersion);
  }

  /** Reads `version` (the current one when absent or 0). */
  read(location: VaultLocation, version?: number): VaultStoreRead {
    const record = this.#secrets.get(keyOf(location));
    if (record === undefined) return { kind: 'missing' };
    const number = version === undefined || version === 0 ? record.currentVersion : version;
    const stored = record.versions.get(number);
    if (stored === undefined) return { kind: 'missing' };
    const metadata = versionMetadata(record, number);
    if (stored.data === undefined || stored.deletionTime !== '' || stored.destroyed) return { kind: 'gone', metadata };
    return { kind: 'found', data: structuredClone(stored.data), metadata };
  }

  /** Soft-deletes `versions` (the current one when absent). Unknown versions are ignored. */
  delete(location: VaultLocation, versions?: readonly number[]): void {
    const record = this.#secrets.get(keyOf(location));
    if (record === undefined) return;
    const time = this.#timestamp();
    for (const number of versions ?? [record.currentVersion]) {
      const stored = record.versions.get(number);
      if (stored !== undefined && stored.deletionTime === '' && !stored.destroyed) stored.deletionTime = time;
    }
  }

  /** Restores soft-deleted `versions`; destroyed ones stay destroyed. */
  undelete(location: VaultLocation, versions: readonly number[]): void {
    const record = this.#secrets.get(keyOf(location));
    for (const number of versions) {
      const stored = record?.versions.get(number);
      if (stored !== undefined && !stored.destroyed) stored.deletionTime = '';
    }
  }

  /** Drops the data of `versions` for good; their metadata stays. */
  destroy(location: VaultLocation, versions: readonly number[]): void {
    const record = this.#secrets.get(keyOf(location));
    for (const number of versions) {
      const stored = record?.versions.get(number);
      if (stored !== undefined) {
        stored.destroyed = true;
        stored.data = undefined;
      }
    }
  }

  /** The secret's metadata as `GET /metadata/:path` returns it, or `undefined`. */
  metadata(location: VaultLocation): Record<string, unknown> | undefined {
    const record = this.#secrets.get(keyOf(location));
    if (record === undefined) return undefined;
    const versions: Record<string, unknown> = {};
    for (const [number, stored] of record.versions) {
      versions[String(number)] = {
        created_time: stored.createdTime,
        deletion_time: stored.deletionTime,
        destroyed: stored.destroyed,
      };
    }
    return {
      cas_required: false,
      created_time: record.createdTime,
      current_version: record.currentVersion,
      custom_metadata: record.customMetadata,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: record.updatedTime,
      versions,
    };
  }

  /** Removes the secret with all its versions and metadata. */
  deleteMetadata(location: VaultLocation): void {
    this.#secrets.delete(keyOf(location));
  }

  /** The keys directly under `prefix` (`''` or ending in `/`), folders suffixed with `/`, sorted. */
  list(namespace: string, mount: string, prefix: string): string[] {
    const keys = new Set<string>();
    for (const { location } of this.#secrets.values()) {
      if (location.namespace !== namespace || location.mount !== mount || !location.path.startsWith(prefix)) continue;
      const rest = location.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...keys].sort();
  }

  #timestamp(): string {
    return this.#now().toISOString();
  }
}

function keyOf(location: VaultLocation): string {
  return JSON.stringify([location.namespace, location.mount, location.path]);
}

function versionMetadata(record: SecretRecord, number: number): VaultVersionMetadata {
  const stored = record.versions.get(number);
  return {
    created_time: stored?.createdTime ?? '',
    custom_metadata: record.customMetadata,
    deletion_time: stored?.deletionTime ?? '',
    destroyed: stored?.destroyed ?? false,
    version: number,
  };
}
