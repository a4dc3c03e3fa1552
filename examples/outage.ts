// What the diagnostics examples run against: a model with a versioned field, and a backend that
// can be taken down as during an outage.
import { bindSecrets, prefetch, Secret, SecretModel, TransientError } from 'vaultly';
import { ManualClock, MockBackend } from 'vaultly/testing';

@SecretModel({ staleOnError: true })
export class ServiceConfig {
  @Secret('/prod/db/password', 300) dbPassword!: string;
  @Secret('/prod/api/key', 300) apiKey!: string;
  @Secret('/prod/db/password', { ttl: 300, version: 1 }) previousDbPassword!: string;
}

/** A backend that fails while `down` is set, as during an outage. */
export class FlakyBackend extends MockBackend {
  down = false;
  override get(path: string, options?: { version?: number | string; signal?: AbortSignal }): Promise<string> {
    return this.down ? Promise.reject(new TransientError(`HTTP 503 reading ${path}`, { path })) : super.get(path, options);
  }
}

/**
 * Boots a ServiceConfig (one getBatch, one versioned get), then takes the backend down and lets
 * every secret expire: reads serve stale values, one coalesced background refresh fails, and the
 * next read serves a stale value after that failure.
 */
export async function runOutage(): Promise<{ backend: FlakyBackend; clock: ManualClock; config: ServiceConfig }> {
  const backend = new FlakyBackend(
    { '/prod/db/password': 'example-db-password', '/prod/api/key': 'example-api-key' },
    { versions: { '/prod/db/password': { 1: 'example-old-db-password' } } },
  );
  const clock = new ManualClock();
  const config = await bindSecrets(new ServiceConfig(), { backend, clock });
  await prefetch(config); // one getBatch, one versioned get

  backend.down = true;
  clock.advance(300_000); // every secret expired
  void [config.dbPassword, config.apiKey]; // stale values; one coalesced background refresh
  await new Promise((resolve) => setImmediate(resolve));
  void config.dbPassword; // the refresh failed: served stale, published on vaultly:stale
  return { backend, clock, config };
}
