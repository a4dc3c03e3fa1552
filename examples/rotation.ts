// Rotation: a Secrets Manager secret rotated under a running connection pool that reconnects on
// onChange, and a file-mounted secret swapped on disk the way a Kubernetes secret volume does.
import 'reflect-metadata';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindSecrets, dispose, FileBackend, onChange, refresh, Secret, SecretModel, withSecret } from 'vaultly';
import { AWSSecretsManagerBackend } from 'vaultly/aws-secrets-manager';
import { startSecretsManagerServer, type SecretsManagerServer } from 'vaultly/testing';
import { line, section } from './show.js';

const SECRET_ID = 'prod/orders-db';
const QUERIES = 20;

@SecretModel({ validate: 'fetch' })
class OrdersDb {
  @Secret(`${SECRET_ID}#password`) password!: string;
}

@SecretModel({ validate: 'fetch' })
class MountedDb {
  @Secret('/db/password', 300) password!: string;
}

class AuthenticationFailed extends Error {
  override name = 'AuthenticationFailed';
}

/** A database that accepts only the password of the version labelled AWSCURRENT right now. */
class Database {
  readonly #passwords = new Map<string, string>();

  constructor(readonly server: SecretsManagerServer) {}

  remember(versionId: string, password: string): void {
    this.#passwords.set(versionId, password);
  }

  currentVersion(): string {
    const stages = this.server.describeSecret(SECRET_ID).versionIdsToStages;
    return Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0] ?? '';
  }

  accepts(password: string): boolean {
    return password === this.#passwords.get(this.currentVersion());
  }
}

/** A connection pool: it logs in once with a password and keeps it until told to reconnect. */
class Pool {
  reconnects = 0;
  #password: string;

  constructor(
    readonly db: Database,
    password: string,
  ) {
    this.#password = password;
  }

  reconnect(password: string): void {
    this.#password = password;
    this.reconnects++;
  }

  async query(): Promise<string> {
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.db.accepts(this.#password)) throw new AuthenticationFailed('password authentication failed');
    return 'ok';
  }
}

async function runSecretsManagerRotation(): Promise<void> {
  section('Rotation: AWS Secrets Manager, a running pool, onChange and withSecret');
  const server = await startSecretsManagerServer();
  const backend = new AWSSecretsManagerBackend({
    region: server.region,
    clientConfig: { endpoint: server.endpoint, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } },
  });
  try {
    const db = new Database(server);
    const created = server.createSecret(SECRET_ID, JSON.stringify({ username: 'orders', password: 'sm-password-v1' }));
    db.remember(created.versionId ?? '', 'sm-password-v1');
    const config = await bindSecrets(new OrdersDb(), { backend });
    const pool = new Pool(db, config.password);
    const stop = onChange(config, ({ model, field, path }) => {
      line(`onChange: ${model}.${field} (${path}) changed: the pool reconnects`);
      pool.reconnect(config.password);
    });
    const run = async (): Promise<number> => {
      const results = await Promise.allSettled(
        Array.from({ length: QUERIES }, () =>
          withSecret(config, 'password', () => pool.query(), { refreshOn: (error) => error instanceof AuthenticationFailed }),
        ),
      );
      return results.filter((result) => result.status === 'fulfilled').length;
    };
    line(`before the rotation: ${await run()}/${QUERIES} queries ok`);

    // The rotation, as a rotation Lambda does it: the new version under AWSPENDING, then AWSCURRENT moved.
    server.clearRequests();
    const pending = server.putSecretValue(SECRET_ID, JSON.stringify({ username: 'orders', password: 'sm-password-v2' }), {
      versionStages: ['AWSPENDING'],
    });
    db.remember(pending, 'sm-password-v2');
    line(`AWSPENDING put: ${await run()}/${QUERIES} queries ok (AWSCURRENT has not moved)`);
    server.updateSecretVersionStage(SECRET_ID, 'AWSCURRENT', { moveToVersionId: pending, removeFromVersionId: created.versionId ?? '' });
    line(`AWSCURRENT moved: ${await run()}/${QUERIES} queries ok after one shared refresh`);
    line(`pool reconnected ${pool.reconnects} time(s); GetSecretValue calls during the rotation: ${server.requestCount('GetSecretValue')}`);
    stop();
    dispose(config);
  } finally {
    backend.destroy();
    await server.close();
  }
}

/**
 * A Kubernetes secret volume: the files live in a timestamped directory, `..data` links to it,
 * and each key links through `..data`. An update writes a new directory and renames a new
 * `..data` link over the old one, which is atomic.
 */
async function writeVersion(dir: string, name: string, password: string): Promise<void> {
  await mkdir(join(dir, name, 'db'), { recursive: true });
  await writeFile(join(dir, name, 'db', 'password'), `${password}\n`);
  await symlink(name, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

async function runFileRotation(): Promise<void> {
  section('Rotation: a mounted secret file swapped on disk (the Kubernetes ..data symlink swap)');
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-demo-'));
  try {
    await writeVersion(dir, '..2026_11_23_10_00_00.000000001', 'file-password-v1');
    await symlink(join('..data', 'db'), join(dir, 'db'));
    const config = await bindSecrets(new MountedDb(), { backend: new FileBackend({ dir }) });
    let changes = 0;
    onChange(config, () => void changes++);
    const before = config.password;
    await writeVersion(dir, '..2026_11_23_11_00_00.000000002', 'file-password-v2');
    await rm(join(dir, '..2026_11_23_10_00_00.000000001'), { recursive: true });
    line(`..data swapped: the cached value is kept until a refresh = ${config.password === before}`);
    const after = await refresh(config, 'password');
    line(`refresh() after the swap: value changed = ${after !== before}; onChange fired ${changes} time(s)`);
    dispose(config);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runRotation(): Promise<void> {
  await runSecretsManagerRotation();
  await runFileRotation();
}
