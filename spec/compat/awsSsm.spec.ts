// Translates tests/backends/test_aws_ssm.py of the original Python vaultly (cop1cat/vaultly). The
// original runs boto3 against moto and fakes ClientErrors; ours hands AWSSSMBackend a stand-in
// for an SSMClient whose `send` answers GetParameter / GetParameters from memory and rejects the
// way the SDK does (an error whose `name` is the SSM error code).
import 'reflect-metadata';
import { GetParameterCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AuthError, SecretNotFoundError, TransientError } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { rejection } from '../helpers/outcomes.js';

/** What the SDK rejects with for an SSM error code. */
function sdkError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: server text`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

class FakeSsm {
  readonly store = new Map<string, string>();
  readonly getParameterInputs: { Name?: string | undefined; WithDecryption?: boolean | undefined }[] = [];
  readonly getParametersNames: string[][] = [];
  /** When set, every call rejects with it. */
  failure: Error | undefined = undefined;

  send(command: unknown): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (command instanceof GetParameterCommand) {
      const input = command.input;
      this.getParameterInputs.push(input);
      const value = this.store.get(input.Name ?? '');
      if (value === undefined) return Promise.reject(sdkError('ParameterNotFound'));
      return Promise.resolve({ Parameter: { Name: input.Name, Value: value, Type: 'SecureString' } });
    }
    if (command instanceof GetParametersCommand) {
      const names = command.input.Names ?? [];
      this.getParametersNames.push([...names]);
      const found = names.filter((n) => this.store.has(n));
      return Promise.resolve({
        Parameters: found.map((n) => ({ Name: n, Value: this.store.get(n), Type: 'SecureString' })),
        InvalidParameters: names.filter((n) => !this.store.has(n)),
      });
    }
    return Promise.reject(new Error('unexpected command'));
  }

  put(name: string, value: string): void {
    this.store.set(name, value);
  }
}

function backendOn(fake: FakeSsm): AWSSSMBackend {
  return new AWSSSMBackend({ client: fake as unknown as SSMClient });
}

describe('AWSSSMBackend (test_aws_ssm.py)', () => {
  it('returns the decrypted value', async () => {
    const fake = new FakeSsm();
    fake.put('/db/prod/password', 's3cr3t');
    await expect(backendOn(fake).get('/db/prod/password')).resolves.toBe('s3cr3t');
    expect(fake.getParameterInputs).toEqual([{ Name: '/db/prod/password', WithDecryption: true }]);
  });

  it('maps a missing parameter to SecretNotFoundError', async () => {
    const error = await rejection(backendOn(new FakeSsm()).get('/nope'));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toMatch(/not found/i);
    expect((error as Error).message).toContain('/nope');
  });

  it('reads a batch', async () => {
    const fake = new FakeSsm();
    fake.put('/a', '1');
    fake.put('/b', '2');
    fake.put('/c', '3');
    await expect(backendOn(fake).getBatch(['/a', '/b', '/c'])).resolves.toEqual({ '/a': '1', '/b': '2', '/c': '3' });
    expect(fake.getParametersNames).toEqual([['/a', '/b', '/c']]);
  });

  it('splits a batch into GetParameters calls of at most 10 names', async () => {
    const fake = new FakeSsm();
    const paths = Array.from({ length: 15 }, (_, i) => `/p/${i}`);
    paths.forEach((p, i) => fake.put(p, String(i)));
    const out = await backendOn(fake).getBatch(paths);
    expect(out).toEqual(Object.fromEntries(paths.map((p, i) => [p, String(i)])));
    expect(fake.getParametersNames.map((names) => names.length)).toEqual([10, 5]);
  });

  it('rejects a batch with a missing parameter with SecretNotFoundError naming it', async () => {
    const fake = new FakeSsm();
    fake.put('/a', '1');
    const error = await rejection(backendOn(fake).getBatch(['/a', '/missing']));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toMatch(/not found/i);
    expect((error as SecretNotFoundError).paths).toEqual(['/missing']);
  });

  it('maps AccessDeniedException to AuthError naming the code', async () => {
    const fake = new FakeSsm();
    fake.failure = sdkError('AccessDeniedException');
    const error = await rejection(backendOn(fake).get('/x'));
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('AccessDeniedException');
    expect((error as Error).cause).toBe(fake.failure);
  });

  it('maps ThrottlingException to TransientError naming the code', async () => {
    const fake = new FakeSsm();
    fake.failure = sdkError('ThrottlingException');
    const error = await rejection(backendOn(fake).get('/x'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('ThrottlingException');
  });

  it('treats an unknown error code as TransientError naming the code', async () => {
    const fake = new FakeSsm();
    fake.failure = sdkError('WeirdErrorWeNeverHeardOf');
    const error = await rejection(backendOn(fake).get('/x'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('WeirdErrorWeNeverHeardOf');
    expect((error as Error).message).not.toContain('server text');
  });
});
