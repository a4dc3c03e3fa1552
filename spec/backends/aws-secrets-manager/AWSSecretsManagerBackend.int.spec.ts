import { inspect } from 'node:util';

import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

import { AWSSecretsManagerBackend } from 'vaultly/aws-secrets-manager';
import { AdaptiveRateLimiter, AuthError, ConfigError, PartialBatchError, RetryingBackend, SecretNotFoundError, TransientError, VaultlyError } from 'vaultly';
import { startSecretsManagerServer, type SecretsManagerServer } from 'vaultly/testing';
import { canary } from '../../helpers/canary.js';
import { rejection } from '../../helpers/outcomes.js';
import { withoutAwsSdkConfiguration } from '../../helpers/awsSdkEnvironment.js';
import { fakeCredentials, waitFor } from '../../testing/ssm/ssmTestClient.js';
import { secretsManagerTestClient } from '../../testing/secrets-manager/secretsManagerTestClient.js';

interface SdkCause {
  name: string;
  message: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** 45 secrets: more than two `BatchGetSecretValue` calls' worth. */
const MANY = Array.from({ length: 45 }, (_, i) => `batch/s${String(i).padStart(2, '0')}`);

/** Everything an error could show a reader: message, stack, inspect (with its cause chain) and JSON. */
function rendered(error: unknown): string {
  return `${String((error as Error).message)}\n${String((error as Error).stack)}\n${inspect(error, { depth: 8 })}\n${JSON.stringify(error)}`;
}

/** A pacer that records the `timeLeft` each request was acquired with. */
class TimeLeftSpy extends AdaptiveRateLimiter {
  readonly seen: unknown[] = [];
  override acquire(signal?: AbortSignal, timeLeft?: () => number): Promise<number> {
    this.seen.push(timeLeft);
    return super.acquire(signal, timeLeft);
  }
}

describe(AWSSecretsManagerBackend.name, () => {
  let server: SecretsManagerServer;
  const backends: AWSSecretsManagerBackend[] = [];
  const password = canary('sm-db-password');
  const token = canary('sm-api-token');
  const plain = canary('sm-plain');
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);

  /** A backend that builds its own client, pointed at the loopback server. */
  const backendFor = (clientConfig: SecretsManagerClientConfig = {}, options: { concurrency?: number } = {}) => {
    const backend = new AWSSecretsManagerBackend({
      region: server.region,
      clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials(), ...clientConfig },
      ...options,
    });
    backends.push(backend);
    return backend;
  };

  beforeEach(async () => {
    server = await startSecretsManagerServer({
      secrets: {
        'prod/db': JSON.stringify({ username: 'app', password, port: 5432, tls: { ca: 'x' }, empty: null }),
        'prod/plain': plain,
        'prod/binary': bytes,
        'prod/list': '["a","b"]',
        ...Object.fromEntries(MANY.map((name) => [name, JSON.stringify({ a: `${name}-a`, b: `${name}-b`, token })])),
      },
    });
  });

  afterEach(async () => {
    for (const backend of backends.splice(0)) backend.destroy();
    await server.close();
  });

  describe('constructor', () => {
    it.each([
      [{ region: '' }, /options\.region/],
      [{ concurrency: 0 }, /options\.concurrency/],
      [{ concurrency: 2.5 }, /options\.concurrency/],
      [{ clientConfig: 'x' as unknown as SecretsManagerClientConfig }, /options\.clientConfig/],
      [{ client: {} as never }, /options\.client/],
      [{ rateLimit: 0 }, /options\.rateLimit/],
      [{ rateLimiter: {} as never }, /options\.rateLimiter/],
      [{ rateLimit: 5, rateLimiter: false as const }, /options\.rateLimit cannot be combined/],
    ])('rejects %p naming the option', (options, pattern) => {
      expect(() => new AWSSecretsManagerBackend(options)).toThrow(pattern);
    });

    it('refuses a client combined with a region', () => {
      const client = secretsManagerTestClient(server);
      try {
        expect(() => new AWSSecretsManagerBackend({ client, region: 'eu-west-1' })).toThrow(/options\.client cannot be combined/);
      } finally {
        client.destroy();
      }
    });

    it('builds a client with one attempt, the 2 s / 5 s timeouts and throwOnRequestTimeout', async () => {
      const backend = backendFor();
      expect(await backend.client.config.maxAttempts()).toBe(1);
      const handler = backend.client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).toMatchObject({ connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true });
    });

    it('uses a client passed in as is and leaves it open on destroy()', async () => {
      const client = secretsManagerTestClient(server);
      try {
        const backend = new AWSSecretsManagerBackend({ client });
        expect(backend.client).toBe(client);
        backend.destroy();
        await expect(backend.get('prod/plain')).resolves.toBe(plain);
      } finally {
        client.destroy();
      }
    });
  });

  describe('get', () => {
    it('reads a secret by name, by full ARN and by ARN without its random suffix', async () => {
      const backend = backendFor();
      const { arn } = server.describeSecret('prod/plain');
      expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod\/plain-[A-Za-z0-9]{6}$/);
      await expect(backend.get('prod/plain')).resolves.toBe(plain);
      await expect(backend.get(arn)).resolves.toBe(plain);
      await expect(backend.get(arn.slice(0, -7))).resolves.toBe(plain);
      expect(server.requests.map((r) => r.input?.['VersionStage'])).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSCURRENT']);
    });

    it('reads a key of a JSON secret (by name and by ARN); non-string values come back as JSON text', async () => {
      const backend = backendFor();
      const { arn } = server.describeSecret('prod/db');
      await expect(backend.get('prod/db#password')).resolves.toBe(password);
      await expect(backend.get(`${arn}#password`)).resolves.toBe(password);
      await expect(backend.get('prod/db#port')).resolves.toBe('5432');
      await expect(backend.get('prod/db#tls')).resolves.toBe('{"ca":"x"}');
      await expect(backend.get('prod/db#empty')).resolves.toBe('null');
      expect(server.requests.map((r) => r.secretIds)).toEqual([['prod/db'], [arn], ['prod/db'], ['prod/db'], ['prod/db']]);
    });

    it('splits at the last #, so a key may itself contain one', async () => {
      server.createSecret('prod/hashy', JSON.stringify({ 'a#b': 'found' }));
      await expect(backendFor().get('prod/hashy#a#b')).rejects.toThrow(SecretNotFoundError);
      expect(server.requests.at(-1)?.secretIds).toEqual(['prod/hashy#a']);
    });

    it('rejects a missing key with a SecretNotFoundError naming the key and the secret, never the content', async () => {
      const error = await rejection<SecretNotFoundError>(backendFor().get('prod/db#nope'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe("Secret not found: prod/db#nope (the JSON secret prod/db has no key 'nope')");
      expect(error.path).toBe('prod/db#nope');
      expect(error.paths).toEqual(['prod/db#nope']);
      expect(rendered(error)).not.toContain(password);
    });

    it('rejects a key asked of a secret that is not a JSON object with a ConfigError naming the path, not the content', async () => {
      const backend = backendFor();
      for (const path of ['prod/plain#password', 'prod/list#0', 'prod/binary#x']) {
        const error = await rejection<ConfigError>(backend.get(path));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.path).toBe(path);
        expect(error.message).toContain(`${path} reads key`);
        expect(error.cause).toBeUndefined();
        expect(rendered(error)).not.toContain(plain);
      }
    });

    it.each(['#key', 'prod/db#'])('rejects the malformed path %p with a ConfigError before any request', async (path) => {
      await expect(backendFor().get(path)).rejects.toThrow(ConfigError);
      expect(server.requestCount()).toBe(0);
    });

    it('returns SecretBinary base64-encoded', async () => {
      await expect(backendFor().get('prod/binary')).resolves.toBe(bytes.toString('base64'));
    });

    it('rejects a missing secret with a SecretNotFoundError that keeps the SDK error as cause', async () => {
      const error = await rejection<SecretNotFoundError>(backendFor().get('prod/missing'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe('Secret not found: prod/missing (Secrets Manager GetSecretValue: ResourceNotFoundException, HTTP 400)');
      expect((error.cause as SdkCause).name).toBe('ResourceNotFoundException');
      expect(error.code).toBe('ResourceNotFoundException');
    });

    it('treats a secret scheduled for deletion (InvalidRequestException) as not found, and finds it again once restored', async () => {
      const backend = backendFor();
      server.deleteSecret('prod/plain');
      const error = await rejection<SecretNotFoundError>(backend.get('prod/plain'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error.cause as SdkCause).name).toBe('InvalidRequestException');
      server.restoreSecret('prod/plain');
      await expect(backend.get('prod/plain')).resolves.toBe(plain);
    });

    it('rejects a denied secret with an AuthError', async () => {
      server.denyAccess('prod/db');
      const error = await rejection<AuthError>(backendFor().get('prod/db#password'));
      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toBe('Access to prod/db#password was refused (Secrets Manager GetSecretValue: AccessDeniedException, HTTP 400)');
      expect(error.path).toBe('prod/db#password');
      expect(error.code).toBe('AccessDeniedException');
    });

    it.each(['UnrecognizedClientException', 'ExpiredTokenException', 'InvalidSignatureException'])(
      'rejects rejected credentials (%s) with an AuthError whose code is the error name',
      async (code) => {
        server.faults.failNext('credentials', { code });
        const error = await rejection<AuthError>(backendFor().get('prod/plain'));
        expect(error).toBeInstanceOf(AuthError);
        expect(error.code).toBe(code);
      },
    );

    it('maps InvalidParameterException to a ConfigError', async () => {
      server.faults.failNext('error', { code: 'InvalidParameterException', status: 400 });
      const error = await rejection<ConfigError>(backendFor().get('prod/plain'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe('InvalidParameterException');
    });

    describe('without SDK configuration', () => {
      withoutAwsSdkConfiguration();

      it('maps a missing region to a ConfigError naming the option, sending nothing', async () => {
        const backend = new AWSSecretsManagerBackend({ clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
        backends.push(backend);
        const error = await rejection<ConfigError>(backend.get('prod/plain'));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.path).toBe('prod/plain');
        expect(error.code).toBe('RegionConfigError');
        expect(error.message).toBe(
          'Cannot read prod/plain: the AWS SDK has no valid region for Secrets Manager: pass options.region (or clientConfig.region) or set AWS_REGION',
        );
        expect(server.requestCount()).toBe(0);
      });

      it('maps credentials that cannot be loaded to a ConfigError (not retried), sending nothing', async () => {
        const backend = new AWSSecretsManagerBackend({ region: server.region, clientConfig: { endpoint: server.endpoint } });
        backends.push(backend);
        const retrying = new RetryingBackend(backend, { maxAttempts: 3, backoff: () => 0 });
        const error = await rejection<ConfigError>(retrying.getBatch(['prod/plain', 'prod/db#password']));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.code).toBe('CredentialsProviderError');
        expect(error.message).toContain('could not load credentials for Secrets Manager');
        expect(error.message).toContain('clientConfig.credentials');
        expect((error.cause as SdkCause).name).toBe('CredentialsProviderError');
        expect(server.requestCount()).toBe(0);
      });
    });
  });

  describe('get with a version', () => {
    it('follows a rotation: AWSPENDING, then AWSCURRENT moves and AWSPREVIOUS follows; version ids read that version', async () => {
      const backend = backendFor();
      const client = secretsManagerTestClient(server);
      try {
        const first = Object.keys(server.describeSecret('prod/db').versionIdsToStages)[0] as string;
        const next = JSON.stringify({ password: canary('sm-rotated') });
        const put = await client.send(new PutSecretValueCommand({ SecretId: 'prod/db', SecretString: next, VersionStages: ['AWSPENDING'] }));
        const pending = put.VersionId as string;
        expect(pending).toMatch(UUID);

        await expect(backend.get('prod/db#password')).resolves.toBe(password);
        await expect(backend.get('prod/db#password', { version: 'AWSPENDING' })).resolves.toBe(JSON.parse(next).password);
        await expect(backend.get('prod/db#password', { version: pending })).resolves.toBe(JSON.parse(next).password);

        await client.send(
          new UpdateSecretVersionStageCommand({ SecretId: 'prod/db', VersionStage: 'AWSCURRENT', MoveToVersionId: pending, RemoveFromVersionId: first }),
        );
        expect(server.describeSecret('prod/db').versionIdsToStages).toEqual({ [first]: ['AWSPREVIOUS'], [pending]: ['AWSCURRENT', 'AWSPENDING'] });
        await expect(backend.get('prod/db#password')).resolves.toBe(JSON.parse(next).password);
        await expect(backend.get('prod/db#password', { version: 'AWSPREVIOUS' })).resolves.toBe(password);
        await expect(backend.get('prod/db#password', { version: first })).resolves.toBe(password);

        const sent = server.requests.filter((r) => r.op === 'GetSecretValue').map((r) => r.input);
        expect(sent[2]).toEqual({ SecretId: 'prod/db', VersionId: pending });
        expect(sent[4]).toEqual({ SecretId: 'prod/db', VersionStage: 'AWSPREVIOUS' });
      } finally {
        client.destroy();
      }
    });

    it('reads a custom staging label', async () => {
      const id = server.putSecretValue('prod/plain', 'canary-free', { versionStages: ['blue'] });
      expect(server.describeSecret('prod/plain').versionIdsToStages[id]).toEqual(['blue']);
      await expect(backendFor().get('prod/plain', { version: 'blue' })).resolves.toBe('canary-free');
    });

    it('rejects an unknown label or version id with a SecretNotFoundError', async () => {
      const backend = backendFor();
      await expect(backend.get('prod/plain', { version: 'AWSPENDING' })).rejects.toThrow(SecretNotFoundError);
      await expect(backend.get('prod/plain', { version: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(SecretNotFoundError);
    });

    it.each([2, '', 'x'.repeat(257)])('rejects the version %p with a ConfigError before any request', async (version) => {
      const error = await rejection<ConfigError>(backendFor().get('prod/plain', { version }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.path).toBe('prod/plain');
      expect(server.requestCount()).toBe(0);
    });
  });

  describe('get under faults', () => {
    it('maps throttling and 5xx to TransientError', async () => {
      const backend = backendFor();
      server.faults.failNext('throttle').failNext('error').failNext('error', { status: 503, code: 'ServiceUnavailable' });
      const throttled = await rejection<TransientError>(backend.get('prod/plain'));
      expect(throttled).toBeInstanceOf(TransientError);
      expect(throttled.message).toBe('Reading prod/plain failed (Secrets Manager GetSecretValue: ThrottlingException, HTTP 400)');
      expect(throttled.code).toBe('ThrottlingException');
      const failed = await rejection<TransientError>(backend.get('prod/plain'));
      expect(failed.message).toBe('Reading prod/plain failed (Secrets Manager GetSecretValue: InternalServiceError, HTTP 500)');
      expect(failed.code).toBe('InternalServiceError');
      const unavailable = await rejection<TransientError>(backend.get('prod/plain'));
      expect(unavailable).toBeInstanceOf(TransientError);
      expect(unavailable.code).toBe('ServiceUnavailable');
      await expect(backend.get('prod/plain')).resolves.toBe(plain);
    });

    it('is retried by RetryingBackend on throttling and 5xx, but not on a missing secret', async () => {
      const retrying = new RetryingBackend(backendFor(), { maxAttempts: 3, backoff: () => 0 });
      server.faults.failNext('throttle').failNext('error');
      await expect(retrying.get('prod/db#password')).resolves.toBe(password);
      expect(server.requestCount('GetSecretValue')).toBe(3);
      await expect(retrying.get('prod/missing')).rejects.toThrow(SecretNotFoundError);
      expect(server.requestCount('GetSecretValue')).toBe(4);
    });

    it('paces a throttled read, and RetryingBackend re-queues it without spending an attempt', async () => {
      const backend = backendFor();
      expect(backend.rateLimiter).toBeInstanceOf(AdaptiveRateLimiter);
      server.faults.failNext('throttle');
      const retrying = new RetryingBackend(backend, { maxAttempts: 1, backoff: () => 0 });
      await expect(retrying.get('prod/plain')).resolves.toBe(plain);
      expect(server.requestCount('GetSecretValue')).toBe(2);
    });

    it("hands the caller's timeLeft to its pacer, for GetSecretValue and each BatchGetSecretValue call", async () => {
      const limiter = new TimeLeftSpy();
      const backend = new AWSSecretsManagerBackend({
        region: server.region,
        clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() },
        rateLimiter: limiter,
      });
      backends.push(backend);
      const timeLeft = (): number => 1_234;
      await backend.get('prod/plain', { timeLeft });
      await backend.getBatch(['prod/plain', 'prod/list'], { timeLeft });
      expect(limiter.seen).toEqual([timeLeft, timeLeft]);
    });

    it('without a pacer, a throttled read spends the only attempt', async () => {
      const backend = new AWSSecretsManagerBackend({
        region: server.region,
        clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() },
        rateLimiter: false,
      });
      backends.push(backend);
      expect(backend.rateLimiter).toBeUndefined();
      server.faults.failNext('throttle');
      await expect(new RetryingBackend(backend, { maxAttempts: 1 }).get('prod/plain')).rejects.toThrow(TransientError);
    });

    it('maps a reset connection to TransientError', async () => {
      server.faults.failNext('reset');
      await expect(backendFor().get('prod/plain')).rejects.toThrow(TransientError);
    });

    it('maps a hung request to TransientError once the request timeout passes', async () => {
      server.faults.failNext('hang');
      const error = await rejection<TransientError>(backendFor({ requestHandler: { requestTimeout: 100 } }).get('prod/plain'));
      expect(error).toBeInstanceOf(TransientError);
    });

    it('rejects a hung request with the signal reason as soon as the signal aborts', async () => {
      server.faults.failNext('hang');
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      const pending = backendFor().get('prod/plain', { signal: controller.signal });
      await waitFor(() => server.requestCount() === 1);
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    });

    it('redacts a malformed body: the error names the operation, never the secret', async () => {
      server.faults.failNext('malformed');
      const error = await rejection<TransientError>(backendFor().get('prod/db#password'));
      expect(error).toBeInstanceOf(TransientError);
      expect(rendered(error)).not.toContain(password.slice(0, 20));
      expect(rendered(error)).not.toContain('CANARY');
    });
  });

  describe('getBatch', () => {
    it('reads 90 keys of 45 secrets in three BatchGetSecretValue calls, each secret once', async () => {
      const paths = MANY.flatMap((name) => [`${name}#a`, `${name}#b`]);
      const values = await backendFor().getBatch([...paths, ...paths]);
      expect(Object.keys(values)).toHaveLength(90);
      for (const name of MANY) {
        expect(values[`${name}#a`]).toBe(`${name}-a`);
        expect(values[`${name}#b`]).toBe(`${name}-b`);
      }
      const calls = server.requests.filter((r) => r.op === 'BatchGetSecretValue');
      expect(calls.map((r) => r.secretIds.length)).toEqual([20, 20, 5]);
      expect(calls.flatMap((r) => r.secretIds).sort()).toEqual([...MANY].sort());
      expect(server.requestCount('GetSecretValue')).toBe(0);
    });

    it('mixes whole secrets, keys, ARNs and binary secrets in one call', async () => {
      const { arn } = server.describeSecret('prod/plain');
      const values = await backendFor().getBatch(['prod/db#password', 'prod/db#port', arn, 'prod/binary']);
      expect({ ...values }).toEqual({ 'prod/db#password': password, 'prod/db#port': '5432', [arn]: plain, 'prod/binary': bytes.toString('base64') });
      expect(server.requestCount('BatchGetSecretValue')).toBe(1);
    });

    it('answers a secret asked for by name and by ARN (full or partial) in the same call under each id', async () => {
      const { arn } = server.describeSecret('prod/db');
      const partial = arn.slice(0, -7);
      const values = await backendFor().getBatch(['prod/db#password', `${arn}#username`, `${partial}#port`]);
      expect({ ...values }).toEqual({ 'prod/db#password': password, [`${arn}#username`]: 'app', [`${partial}#port`]: '5432' });
    });

    it('follows NextToken until every id is answered', async () => {
      await server.close();
      server = await startSecretsManagerServer({ secrets: Object.fromEntries(MANY.slice(0, 20).map((n) => [n, `v-${n}`])), batchPageSize: 7 });
      const values = await backendFor().getBatch(MANY.slice(0, 20));
      expect(Object.keys(values)).toHaveLength(20);
      expect(server.requests.map((r) => r.input?.['NextToken'])).toEqual([undefined, '7', '14']);
    });

    it('names every missing secret and every missing key together in one SecretNotFoundError', async () => {
      server.deleteSecret('prod/plain');
      const error = await rejection<SecretNotFoundError>(
        backendFor().getBatch(['prod/db#password', 'prod/db#nope', 'prod/gone', 'prod/plain', ...MANY.slice(0, 25)]),
      );
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect([...error.paths].sort()).toEqual(['prod/db#nope', 'prod/gone', 'prod/plain']);
      expect(rendered(error)).not.toContain('CANARY');
    });

    it('rejects with an AuthError when a secret of the batch is denied', async () => {
      server.denyAccess('prod/db');
      const error = await rejection<AuthError>(backendFor().getBatch(['prod/db#password', 'prod/plain', 'prod/gone']));
      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toBe('Access to prod/db#password (AccessDeniedException) was refused (Secrets Manager BatchGetSecretValue)');
    });

    it('maps per-id errors by their ErrorCode: InvalidParameterException is a ConfigError, others are transient', async () => {
      const backend = backendFor();
      server.faults.failNext('malformed', {
        body: JSON.stringify({ SecretValues: [], Errors: [{ SecretId: 'prod/plain', ErrorCode: 'InvalidParameterException', Message: 'bad' }] }),
      });
      await expect(backend.getBatch(['prod/plain'])).rejects.toThrow(ConfigError);
      server.faults.failNext('malformed', {
        body: JSON.stringify({ SecretValues: [], Errors: [{ SecretId: 'prod/plain', ErrorCode: 'InternalServiceError', Message: 'x' }] }),
      });
      const error = await rejection<PartialBatchError>(backend.getBatch(['prod/plain']));
      expect(error).toBeInstanceOf(PartialBatchError);
      expect(error.owedPaths).toEqual(['prod/plain']);
      expect((error.owed[0]?.error as TransientError).message).toBe('Reading prod/plain (InternalServiceError) failed (Secrets Manager BatchGetSecretValue)');
    });

    it('owes the keys of a secret whose per-id error is transient, and carries the missing ones along', async () => {
      server.faults.failNext('malformed', {
        body: JSON.stringify({
          SecretValues: [],
          Errors: [
            { SecretId: 'prod/db', ErrorCode: 'InternalServiceError', Message: 'x' },
            { SecretId: 'prod/gone', ErrorCode: 'ResourceNotFoundException', Message: 'x' },
          ],
        }),
      });
      const error = await rejection<PartialBatchError>(backendFor().getBatch(['prod/db#password', 'prod/db#port', 'prod/gone']));
      expect(error).toBeInstanceOf(PartialBatchError);
      expect(error.owed.map((o) => o.paths)).toEqual([['prod/db#password', 'prod/db#port']]);
      expect(error.missing).toEqual(['prod/gone']);
    });

    it('names every path of a call answered with a whole-call not-found error as missing', async () => {
      server.faults.failNext('error', { status: 400, code: 'ResourceNotFoundException', match: (r) => r.secretIds.includes('batch/s00') });
      const error = await rejection<SecretNotFoundError>(backendFor({}, { concurrency: 1 }).getBatch(MANY));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.paths).toEqual(MANY.slice(0, 20));
      expect(server.requestCount('BatchGetSecretValue')).toBe(3);
    });

    it('resolves an empty batch without a request', async () => {
      await expect(backendFor().getBatch([])).resolves.toEqual({});
      expect(server.requestCount()).toBe(0);
    });

    it('reads on past a throttled call and owes only its paths, in a PartialBatchError', async () => {
      server.faults.failNext('throttle');
      const paths = MANY.map((name) => `${name}#a`);
      const error = await rejection<PartialBatchError>(backendFor({}, { concurrency: 1 }).getBatch(paths));
      expect(error).toBeInstanceOf(PartialBatchError);
      expect(error.owedPaths).toEqual(paths.slice(0, 20));
      const cause = error.owed[0]?.error as TransientError;
      expect(cause.message).toBe(`Reading 20 paths (${paths.slice(0, 20).join(', ')}) failed (Secrets Manager BatchGetSecretValue: ThrottlingException, HTTP 400)`);
      // Chunks made ready before the throttle go back to the pacer, so they may finish in either order.
      expect(Object.keys(PartialBatchError.fetchedValues(error)).sort()).toEqual(paths.slice(20));
      expect(server.requestCount('BatchGetSecretValue')).toBe(3);
      expect(rendered(error)).not.toContain('CANARY');
    });

    it('under RetryingBackend, asks again only for the secrets of the failed call', async () => {
      server.faults.failNext('error', { match: (r) => r.secretIds.includes('batch/s20') });
      const retrying = new RetryingBackend(backendFor({}, { concurrency: 1 }), { maxAttempts: 2, backoff: () => 0 });
      const values = await retrying.getBatch(MANY.map((name) => `${name}#b`));
      expect(Object.keys(values)).toHaveLength(45);
      const calls = server.requests.filter((r) => r.op === 'BatchGetSecretValue').map((r) => r.secretIds);
      expect(calls).toHaveLength(4);
      expect(calls[3]).toEqual(MANY.slice(20, 40));
    });

    it('aborts the other calls in flight at once on an AuthError', async () => {
      server.faults.failNext('hang', { times: 2 }).failNext('credentials');
      const backend = backendFor({}, { concurrency: 3 });
      await expect(backend.getBatch(MANY)).rejects.toThrow(AuthError);
      expect(server.requestCount('BatchGetSecretValue')).toBe(3);
    });

    it('rejects with the signal reason when aborted', async () => {
      server.faults.failNext('hang');
      const controller = new AbortController();
      const pending = backendFor().getBatch(['prod/plain'], { signal: controller.signal });
      await waitFor(() => server.requestCount() === 1);
      controller.abort(new Error('stop'));
      await expect(pending).rejects.toThrow('stop');
    });
  });

  it('never puts a secret value in the request log, in errors or their causes', async () => {
    const backend = backendFor();
    const errors: unknown[] = [];
    server.denyAccess('batch/s00');
    for (const attempt of [
      () => backend.get('prod/db#nope'),
      () => backend.get('prod/plain#x'),
      () => backend.getBatch(['prod/db#password', 'batch/s00#a']),
      () => backend.getBatch(['batch/s01#nope']),
    ]) {
      errors.push(await rejection(attempt()));
    }
    expect(errors.every((e) => VaultlyError.is(e))).toBe(true);
    for (const error of errors) expect(rendered(error)).not.toContain('CANARY');
    const client = secretsManagerTestClient(server);
    try {
      await client.send(new PutSecretValueCommand({ SecretId: 'prod/plain', SecretString: canary('sm-put') }));
    } finally {
      client.destroy();
    }
    expect(JSON.stringify(server.requests)).not.toContain('CANARY');
    expect(inspect(server.requests, { depth: 8 })).not.toContain('CANARY');
  });
});
