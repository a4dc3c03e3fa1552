import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';

import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { AuthError, ConfigError, PartialBatchError, SecretNotFoundError, TransientError, VaultlyError } from 'vaultly';
import { startSsmServer, type SsmServer } from 'vaultly/testing';
import { fakeCredentials, loopbackSsmBackend, ssmTestClient, waitFor } from '../../testing/ssm/ssmTestClient.js';
import { rejection } from '../../helpers/outcomes.js';
import { withoutAwsSdkConfiguration } from '../../helpers/awsSdkEnvironment.js';

interface SdkCause {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

const KEYS = Array.from({ length: 25 }, (_, i) => `/batch/k${String(i).padStart(2, '0')}`);

describe(AWSSSMBackend.name, () => {
  let server: SsmServer;
  const backends: AWSSSMBackend[] = [];

  /** A backend that builds its own client, pointed at the loopback server. */
  const backendFor = (clientConfig: SSMClientConfig = {}, options: { withDecryption?: boolean; concurrency?: number } = {}) => {
    const backend = loopbackSsmBackend(server, { clientConfig, ...options });
    backends.push(backend);
    return backend;
  };

  beforeEach(async () => {
    server = await startSsmServer({
      parameters: {
        '/app/plain': 'hello',
        '/app/secret': { value: 's3cr3t', type: 'SecureString' },
        '/app/list': { value: ['a', 'b', 'c'] },
        ...Object.fromEntries(KEYS.map((k) => [k, `value-of-${k}`])),
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
      [{ concurrency: 1.5 }, /options\.concurrency/],
      [{ withDecryption: 'yes' as unknown as boolean }, /options\.withDecryption/],
      [{ clientConfig: 'x' as unknown as SSMClientConfig }, /options\.clientConfig/],
      [{ client: {} as never }, /options\.client/],
    ])('rejects %j with a TypeError naming the option', (options, name) => {
      expect(() => new AWSSSMBackend(options)).toThrow(TypeError);
      expect(() => new AWSSSMBackend(options)).toThrow(name);
    });

    it('rejects a client combined with region or clientConfig', () => {
      const client = ssmTestClient(server);
      try {
        expect(() => new AWSSSMBackend({ client, region: 'eu-west-1' })).toThrow(/options\.client cannot be combined/);
        expect(() => new AWSSSMBackend({ client, clientConfig: {} })).toThrow(TypeError);
      } finally {
        client.destroy();
      }
    });

    it('builds a client with one attempt, a 2 s connect and a 5 s request timeout that rejects', async () => {
      const backend = backendFor();
      expect(await backend.get('/app/plain')).toBe('hello');
      expect(await backend.client.config.maxAttempts()).toBe(1);
      const handler = backend.client.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> };
      expect(handler.httpHandlerConfigs()).toMatchObject({
        connectionTimeout: 2_000,
        requestTimeout: 5_000,
        throwOnRequestTimeout: true,
      });
    });

    it('makes one attempt only, leaving retries to RetryingBackend', async () => {
      server.faults.failNext('error');
      await expect(backendFor().get('/app/plain')).rejects.toBeInstanceOf(TransientError);
      expect(server.requestCount('GetParameter')).toBe(1);
    });

    it('keeps maxAttempts from clientConfig', async () => {
      server.faults.failNext('error');
      expect(await backendFor({ maxAttempts: 2 }).get('/app/plain')).toBe('hello');
      expect(server.requestCount('GetParameter')).toBe(2);
    });

    it('merges plain request handler options over its timeout defaults', async () => {
      server.faults.failNext('hang');
      const error = await rejection(backendFor({ requestHandler: { requestTimeout: 40 } }).get('/app/plain'));
      expect(error).toBeInstanceOf(TransientError);
      expect(((error as TransientError).cause as SdkCause).name).toBe('TimeoutError');
    });

    it('uses a client passed in as given and leaves it open on destroy()', async () => {
      const client = ssmTestClient(server);
      try {
        const backend = new AWSSSMBackend({ client });
        expect(backend.client).toBe(client);
        expect(await backend.get('/app/plain')).toBe('hello');
        backend.destroy();
        expect((await client.send(new GetParameterCommand({ Name: '/app/plain' }))).Parameter?.Value).toBe('hello');
      } finally {
        client.destroy();
      }
    });
  });

  describe('get', () => {
    it('reads the latest value with GetParameter', async () => {
      server.putParameter('/app/plain', 'hello v2');
      expect(await backendFor().get('/app/plain')).toBe('hello v2');
      expect(server.requests.map((r) => [r.op, r.names, r.input?.['WithDecryption']])).toEqual([
        ['GetParameter', ['/app/plain'], true],
      ]);
    });

    it('reads a numeric version as name:N and a string one as a label', async () => {
      server.putParameter('/app/plain', 'hello v2', { labels: ['current'] });
      server.putParameter('/app/plain', 'hello v3');
      const backend = backendFor();
      expect(await backend.get('/app/plain', { version: 1 })).toBe('hello');
      expect(await backend.get('/app/plain', { version: 'current' })).toBe('hello v2');
      expect(server.requests.map((r) => r.names[0])).toEqual(['/app/plain:1', '/app/plain:current']);
    });

    it('decrypts SecureString values by default, and not with withDecryption: false', async () => {
      expect(await backendFor().get('/app/secret')).toBe('s3cr3t');
      const encrypted = await backendFor({}, { withDecryption: false }).get('/app/secret');
      expect(encrypted).not.toBe('s3cr3t');
      expect(server.requests.map((r) => r.input?.['WithDecryption'])).toEqual([true, false]);
    });

    it('returns a StringList as its raw comma-joined string', async () => {
      expect(await backendFor().get('/app/list')).toBe('a,b,c');
    });

    it.each([0, -1, 1.5, '', 'a:b'])('rejects version %j with ConfigError before any request', async (version) => {
      const error = await rejection(backendFor().get('/app/plain', { version }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe('/app/plain');
      expect(server.requestCount()).toBe(0);
    });
  });

  describe('getBatch', () => {
    it('reads 25 names in exactly 3 GetParameters requests of at most 10', async () => {
      const values = await backendFor().getBatch([...KEYS, KEYS[0] as string, KEYS[24] as string]);
      expect(values).toEqual(Object.fromEntries(KEYS.map((k) => [k, `value-of-${k}`])));
      expect(server.requestCount()).toBe(3);
      expect(server.requestCount('GetParameters')).toBe(3);
      const sent = server.requests.map((r) => r.names);
      expect(sent.map((names) => names.length).sort()).toEqual([10, 10, 5]);
      expect(sent.flat().sort()).toEqual(KEYS);
    });

    it('resolves an empty batch without a request', async () => {
      expect(await backendFor().getBatch([])).toEqual({});
      expect(server.requestCount()).toBe(0);
    });

    it('rejects with one SecretNotFoundError naming every missing name across chunks', async () => {
      server.deleteParameter('/batch/k03');
      server.deleteParameter('/batch/k24');
      const error = await rejection(backendFor().getBatch([...KEYS, '/batch/extra']));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      const notFound = error as SecretNotFoundError;
      expect([...notFound.paths].sort()).toEqual(['/batch/extra', '/batch/k03', '/batch/k24']);
      expect(notFound.message).toContain('/batch/k03');
      expect(notFound.message).toContain('/batch/k24');
      expect(notFound.message).toContain('/batch/extra');
      expect(server.requestCount('GetParameters')).toBe(3);
    });

    it('reads on past a failed chunk and owes only that chunk, in a PartialBatchError', async () => {
      server.faults.failNext('error');
      const error = await rejection(backendFor({}, { concurrency: 1 }).getBatch(KEYS));
      expect(error).toBeInstanceOf(PartialBatchError);
      const partial = error as PartialBatchError;
      expect(partial.message).toContain('/batch/k00');
      expect(partial.owedPaths).toEqual(KEYS.slice(0, 10));
      expect(((partial.cause as TransientError).cause as SdkCause).name).toBe('InternalServerError');
      expect(Object.keys(PartialBatchError.fetchedValues(partial))).toEqual(KEYS.slice(10));
      expect(server.requestCount('GetParameters')).toBe(3);
    });

    it('rejects the batch at once on an AuthError, aborting the other chunks', async () => {
      server.faults.failNext('credentials');
      const error = await rejection(backendFor({}, { concurrency: 1 }).getBatch(KEYS));
      expect(error).toBeInstanceOf(AuthError);
      expect(server.requestCount('GetParameters')).toBe(1);
    });

    it('keeps at most `concurrency` requests in flight', async () => {
      server.faults.failNext('hang', { times: 3 });
      const controller = new AbortController();
      const batch = rejection(backendFor({}, { concurrency: 2 }).getBatch(KEYS, { signal: controller.signal }));
      await waitFor(() => server.requestCount() === 2);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(server.requestCount()).toBe(2);
      controller.abort(new Error('enough'));
      expect(((await batch) as Error).message).toBe('enough');
    });

    it('runs up to 4 chunks at once by default', async () => {
      server.faults.failNext('hang', { times: 3 });
      const controller = new AbortController();
      const batch = rejection(backendFor().getBatch(KEYS, { signal: controller.signal }));
      await waitFor(() => server.requestCount() === 3);
      controller.abort(new Error('enough'));
      await batch;
    });

    it('rejects with the signal reason when aborted, without waiting for the server', async () => {
      server.faults.failNext('hang', { times: 3 });
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      const batch = rejection(backendFor({ requestHandler: { requestTimeout: 60_000 } }).getBatch(KEYS, { signal: controller.signal }));
      await waitFor(() => server.requestCount() === 3);
      controller.abort(reason);
      expect(await batch).toBe(reason);
    });
  });

  describe('error mapping', () => {
    const getError = async (backend: AWSSSMBackend, path = '/app/plain', version?: number): Promise<VaultlyError> => {
      const error = await rejection(backend.get(path, version === undefined ? {} : { version }));
      expect(VaultlyError.is(error)).toBe(true);
      return error as VaultlyError;
    };

    it('maps ParameterNotFound to SecretNotFoundError with the SDK error as cause', async () => {
      const error = await getError(backendFor(), '/nope');
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.path).toBe('/nope');
      expect((error as SecretNotFoundError).paths).toEqual(['/nope']);
      expect(error.message).toContain('/nope');
      expect(error.message).toContain('ParameterNotFound');
      expect(error.code).toBe('ParameterNotFound');
      expect((error.cause as SdkCause).name).toBe('ParameterNotFound');
      expect((error.cause as SdkCause).$metadata?.httpStatusCode).toBe(400);
    });

    it('maps ParameterVersionNotFound to SecretNotFoundError naming the version', async () => {
      const error = await getError(backendFor(), '/app/plain', 9);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toContain('version 9');
      expect((error.cause as SdkCause).name).toBe('ParameterVersionNotFound');
    });

    it.each([
      'UnrecognizedClientException',
      'AccessDeniedException',
      'ExpiredTokenException',
      'InvalidSignatureException',
      'UnauthorizedAccessException',
      'UnauthorizedOperation',
    ])('maps %s to AuthError (not retried), with the name as code', async (type) => {
      server.faults.failNext('credentials', { code: type });
      const error = await getError(backendFor());
      expect(error).toBeInstanceOf(AuthError);
      expect(error.path).toBe('/app/plain');
      expect(error.message).toContain(type);
      expect(error.code).toBe(type);
      expect((error.cause as SdkCause).name).toBe(type);
    });

    it('maps any 403 to AuthError', async () => {
      server.faults.failNext('error', { status: 403, code: 'SomethingForbidden' });
      expect(await getError(backendFor())).toBeInstanceOf(AuthError);
    });

    it.each([
      ['throttling', (s: SsmServer) => s.faults.failNext('throttle'), 'ThrottlingException'],
      ['a 500', (s: SsmServer) => s.faults.failNext('error'), 'InternalServerError'],
      ['a 503', (s: SsmServer) => s.faults.failNext('error', { status: 503, code: 'ServiceUnavailable' }), 'ServiceUnavailable'],
      ['an unknown code', (s: SsmServer) => s.faults.failNext('error', { status: 400, code: 'BrandNewException' }), 'BrandNewException'],
      ['a malformed body', (s: SsmServer) => s.faults.failNext('malformed'), 'SyntaxError'],
    ])('maps %s to TransientError', async (_label, arm, causeName) => {
      arm(server);
      const error = await getError(backendFor());
      expect(error).toBeInstanceOf(TransientError);
      expect(error.path).toBe('/app/plain');
      expect(error.message).toContain('/app/plain');
      expect(error.message).toContain(causeName);
      expect(error.code).toBe(causeName);
      expect((error.cause as SdkCause).name).toBe(causeName);
    });

    describe('without SDK configuration', () => {
      withoutAwsSdkConfiguration();

      it('maps a missing region to a ConfigError naming the option, sending nothing', async () => {
        const backend = new AWSSSMBackend({ clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
        backends.push(backend);
        const error = await rejection(backend.get('/app/plain'));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).path).toBe('/app/plain');
        expect((error as ConfigError).code).toBe('RegionConfigError');
        expect((error as Error).message).toContain('options.region');
        expect(server.requests).toHaveLength(0);
      });

      it('maps credentials that cannot be loaded to a ConfigError, sending nothing', async () => {
        const backend = new AWSSSMBackend({ region: server.region, clientConfig: { endpoint: server.endpoint } });
        backends.push(backend);
        const error = await rejection(backend.getBatch(['/app/plain', '/app/secret']));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).code).toBe('CredentialsProviderError');
        expect((error as Error).message).toContain('clientConfig.credentials');
        expect(((error as ConfigError).cause as SdkCause).name).toBe('CredentialsProviderError');
        expect(server.requests).toHaveLength(0);
      });
    });

    it('maps a reset connection to TransientError', async () => {
      server.faults.failNext('reset');
      const error = await getError(backendFor());
      expect(error).toBeInstanceOf(TransientError);
      // In plain Node the cause is the SDK's TimeoutError (code ECONNRESET); under jest's VM
      // modules the SDK re-wraps Node's other-realm error, keeping the code in its message.
      expect(String((error.cause as SdkCause).message)).toMatch(/ECONNRESET|socket hang up/);
    });

    it('maps a timeout against a hanging server to TransientError', async () => {
      server.faults.failNext('hang');
      const error = await getError(backendFor({ requestHandler: { requestTimeout: 40 } }));
      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toContain('TimeoutError');
      expect((error.cause as SdkCause).name).toBe('TimeoutError');
    });

    it('maps a refused connection to TransientError', async () => {
      const endpoint = server.endpoint;
      await server.close();
      const backend = new AWSSSMBackend({ region: 'us-east-1', clientConfig: { endpoint, credentials: fakeCredentials() } });
      backends.push(backend);
      const error = await rejection(backend.get('/app/plain'));
      expect(error).toBeInstanceOf(TransientError);
      expect(String(((error as TransientError).cause as SdkCause).message)).toMatch(/ECONNREFUSED/);
    });
  });

  describe('secret values', () => {
    const canary = `CANARY-${randomUUID()}`;

    it.each([
      ['throttling', (s: SsmServer) => s.faults.failNext('throttle')],
      ['a 500', (s: SsmServer) => s.faults.failNext('error')],
      ['rejected credentials', (s: SsmServer) => s.faults.failNext('credentials')],
      ['a reset', (s: SsmServer) => s.faults.failNext('reset')],
      ['a truncated body', (s: SsmServer) => s.faults.failNext('malformed')],
    ])('never appear in the error for %s, its cause included', async (_label, arm) => {
      server.putParameter('/app/canary', canary, { type: 'SecureString' });
      const backend = backendFor();
      arm(server);
      const single = await rejection(backend.get('/app/canary'));
      arm(server);
      const batch = await rejection(backend.getBatch(['/app/canary', '/app/plain']));
      for (const error of [single, batch]) {
        expect(VaultlyError.is(error)).toBe(true);
        expect(inspect(error, { depth: 10 })).not.toContain(canary);
        expect(String(error)).not.toContain(canary);
        expect(JSON.stringify(error)).not.toContain(canary);
      }
    });

    it('are redacted from a parse error that quoted the body (which the SDK does)', async () => {
      // V8 quotes up to 10 characters of unparseable JSON, so a short value leaks whole.
      const short = `ZQ${randomUUID().slice(0, 6)}`;
      server.putParameter('/app/short', short, { type: 'SecureString' });
      const raw = ssmTestClient(server);
      try {
        server.faults.failNext('malformed', { body: short });
        const sdkError = (await rejection(raw.send(new GetParameterCommand({ Name: '/app/short' })))) as Error;
        expect(sdkError.message).toContain(short);
      } finally {
        raw.destroy();
      }
      server.faults.failNext('malformed', { body: short });
      const error = (await rejection(backendFor().get('/app/short'))) as TransientError;
      expect(error).toBeInstanceOf(TransientError);
      expect((error.cause as Error).name).toBe('SyntaxError');
      expect((error.cause as Error).message).not.toContain(short);
      expect((error.cause as Error).stack).not.toContain(short);
      expect(inspect(error, { depth: 10 })).not.toContain(short);
    });
  });

  describe('abort', () => {
    it('rejects get with the signal reason while the server hangs', async () => {
      server.faults.failNext('hang');
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      const read = rejection(backendFor({ requestHandler: { requestTimeout: 60_000 } }).get('/app/plain', { signal: controller.signal }));
      await waitFor(() => server.requestCount() === 1);
      controller.abort(reason);
      const error = await read;
      expect(error).toBe(reason);
      expect(TransientError.is(error)).toBe(false);
    });

    it('rejects with an AbortError when aborted without a reason', async () => {
      server.faults.failNext('hang');
      const controller = new AbortController();
      const read = rejection(backendFor({ requestHandler: { requestTimeout: 60_000 } }).get('/app/plain', { signal: controller.signal }));
      await waitFor(() => server.requestCount() === 1);
      controller.abort();
      expect((await read as Error).name).toBe('AbortError');
    });

    it('rejects an already aborted read without a request', async () => {
      const reason = new Error('too late');
      const backend = backendFor();
      await expect(backend.get('/app/plain', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      await expect(backend.getBatch(['/app/plain'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(server.requestCount()).toBe(0);
    });
  });
});
