// A rotation soak: 10,000 database operations through withSecret while the password rotates
// five times in a Secrets Manager (the loopback server, through the real SDK). Time is a
// ManualClock, moved by hand, so the once-a-second refresh limit costs no waiting.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { AWSSecretsManagerBackend } from 'vaultly/aws-secrets-manager';
import { bindSecrets, dispose, onChange, Secret, SecretModel, withSecret, type ChangeEvent } from 'vaultly';
import { ManualClock, startSecretsManagerServer, type SecretsManagerServer } from 'vaultly/testing';
import { canary, canaryLogger, expectNoCanary } from '../helpers/canary.js';
import { fakeCredentials } from '../testing/ssm/ssmTestClient.js';

const SECRET_ID = 'prod/db';
const OPERATIONS = 10_000;
const CONCURRENCY = 100;
const ROTATIONS = 5;
/** Clock time each round of operations takes. */
const ROUND_MS = 100;

@SecretModel({ validate: 'fetch' })
class DbConfig {
  @Secret(`${SECRET_ID}#password`) password!: string;
}

class AuthenticationFailed extends Error {
  override name = 'AuthenticationFailed';
}

/**
 * A database that accepts only the password of the version labelled AWSCURRENT right now: it
 * switches at the instant the label moves, as a real rotation's finishSecret step makes it.
 */
class FakeDatabase {
  readonly #passwords = new Map<string, string>();
  rejected = 0;

  constructor(readonly server: SecretsManagerServer) {}

  remember(versionId: string, password: string): void {
    this.#passwords.set(versionId, password);
  }

  /** The version id labelled AWSCURRENT. */
  currentVersion(): string {
    const stages = this.server.describeSecret(SECRET_ID).versionIdsToStages;
    const [current] = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT')) ?? [];
    if (current === undefined) throw new Error('no AWSCURRENT version');
    return current;
  }

  async query(password: string): Promise<string> {
    // One event-loop turn per query, so operations interleave with the rotation's HTTP calls.
    await new Promise((resolve) => setImmediate(resolve));
    if (password !== this.#passwords.get(this.currentVersion())) {
      this.rejected++;
      throw new AuthenticationFailed('password authentication failed');
    }
    return 'ok';
  }
}

describe('Rotation soak: withSecret over Secrets Manager', () => {
  let server: SecretsManagerServer;
  let backend: AWSSecretsManagerBackend;
  let admin: SecretsManagerClient;

  beforeEach(async () => {
    server = await startSecretsManagerServer();
    const clientConfig = { endpoint: server.endpoint, region: server.region, credentials: fakeCredentials() };
    backend = new AWSSecretsManagerBackend({ region: server.region, clientConfig });
    admin = new SecretsManagerClient({ ...clientConfig, maxAttempts: 1 });
  });

  afterEach(async () => {
    backend.destroy();
    admin.destroy();
    await server.close();
  });

  it('runs 10,000 operations across 5 rotations with no failure, one onChange per rotation and no refresh storm', async () => {
    const db = new FakeDatabase(server);
    const first = canary('soak-pw-0');
    const created = server.createSecret(SECRET_ID, JSON.stringify({ username: 'app', password: first }));
    db.remember(created.versionId as string, first);

    /** AWSPENDING with PutSecretValue, then AWSCURRENT moved with UpdateSecretVersionStage. */
    const rotate = async (n: number): Promise<void> => {
      const password = canary(`soak-pw-${n}`);
      const previous = db.currentVersion();
      const put = await admin.send(
        new PutSecretValueCommand({
          SecretId: SECRET_ID,
          SecretString: JSON.stringify({ username: 'app', password }),
          VersionStages: ['AWSPENDING'],
          ClientRequestToken: randomUUID(),
        }),
      );
      db.remember(put.VersionId as string, password);
      await admin.send(
        new UpdateSecretVersionStageCommand({ SecretId: SECRET_ID, VersionStage: 'AWSCURRENT', MoveToVersionId: put.VersionId, RemoveFromVersionId: previous }),
      );
    };

    const clock = new ManualClock(Date.UTC(2026, 10, 23));
    const { logger } = canaryLogger();
    const config = await bindSecrets(new DbConfig(), { backend, clock, logger });
    const events: ChangeEvent[] = [];
    onChange(config, (event) => void events.push(event));
    server.clearRequests();

    const rounds = OPERATIONS / CONCURRENCY;
    const rotateAt = new Set(Array.from({ length: ROTATIONS }, (_, i) => Math.floor(((i + 0.5) * rounds) / ROTATIONS)));
    let rotation: Promise<void> = Promise.resolve();
    let rotations = 0;
    let failed = 0;
    let succeeded = 0;
    for (let round = 0; round < rounds; round++) {
      if (rotateAt.has(round)) {
        await rotation; // one rotation at a time, as Secrets Manager allows
        rotation = rotate(++rotations);
      }
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENCY }, () =>
          withSecret(config, 'password', (password) => db.query(password), { refreshOn: (error) => error instanceof AuthenticationFailed }),
        ),
      );
      for (const result of results) {
        if (result.status === 'fulfilled') succeeded++;
        else failed++;
      }
      clock.advance(ROUND_MS);
    }
    await rotation;
    // Operations after the last rotation use the last password.
    await expect(withSecret(config, 'password', (password) => db.query(password))).resolves.toBe('ok');

    expect(rotations).toBe(ROTATIONS);
    expect({ failed, succeeded }).toEqual({ failed: 0, succeeded: OPERATIONS });
    // Every rotation was noticed: operations were rejected and retried.
    expect(db.rejected).toBeGreaterThanOrEqual(ROTATIONS);
    expect(events).toHaveLength(ROTATIONS);
    expect(events[0]).toEqual({ model: 'DbConfig', field: 'password', path: `${SECRET_ID}#password`, version: undefined });
    expectNoCanary(events, 'onChange events');
    // No refresh storm: about one read per rotation, however many operations failed at once.
    const reads = server.requestCount((request) => request.op === 'GetSecretValue' || request.op === 'BatchGetSecretValue');
    expect(reads).toBeGreaterThanOrEqual(ROTATIONS);
    expect(reads).toBeLessThanOrEqual(ROTATIONS * 2);
    dispose(config);
  }, 60_000);
});
