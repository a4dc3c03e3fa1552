import { GetParameterCommand, ThrottlingException } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { startSsmServer, type SsmServer } from 'vaultly/testing';

import { rejection } from '../../helpers/outcomes.js';
import { ssmTestClient } from './ssmTestClient.js';

interface SdkError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

describe('startSsmServer quota (issue #12)', () => {
  let now: number;
  let server: SsmServer;
  let clients: SSMClient[];

  beforeEach(async () => {
    now = 1_000_000;
    server = await startSsmServer({ parameters: { '/app/key': 'v' }, quota: { rate: 2, burst: 3, now: () => now } });
    clients = [ssmTestClient(server), ssmTestClient(server)];
  });

  afterEach(async () => {
    for (const client of clients) client.destroy();
    await server.close();
  });

  const read = (client: SSMClient): Promise<string | undefined> =>
    client.send(new GetParameterCommand({ Name: '/app/key' })).then((o) => o.Parameter?.Value);

  it('throttles every request beyond the burst, shared by all clients, as SSM does', async () => {
    const [a, b] = clients as [SSMClient, SSMClient];
    await expect(read(a)).resolves.toBe('v');
    await expect(read(b)).resolves.toBe('v');
    await expect(read(a)).resolves.toBe('v');

    for (const client of [b, a]) {
      const error = (await rejection(read(client))) as SdkError;
      expect(error).toBeInstanceOf(ThrottlingException);
      expect(error.name).toBe('ThrottlingException');
      expect(error.message).toBe('Rate exceeded');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    expect(server.requests.map((r) => r.throttled)).toEqual([false, false, false, true, true]);
    expect(server.requests.map((r) => r.fault)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('refills at rate per second on the injected clock', async () => {
    const [a] = clients as [SSMClient];
    for (let i = 0; i < 3; i++) await read(a);
    expect(((await rejection(read(a))) as SdkError).name).toBe('ThrottlingException');

    now += 500; // 2 per second: one token back
    await expect(read(a)).resolves.toBe('v');
    expect(((await rejection(read(a))) as SdkError).name).toBe('ThrottlingException');

    now += 10_000; // never more than the burst
    for (let i = 0; i < 3; i++) await read(a);
    expect(((await rejection(read(a))) as SdkError).name).toBe('ThrottlingException');
    expect(server.requestCount((r) => r.throttled)).toBe(3);
  });

  it('answers HTTP 400 with x-amzn-ErrorType and the __type body', async () => {
    server.faults.setQuota({ rate: 1, burst: 1, now: () => now });
    const post = (): Promise<Response> =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSSM.GetParameter', authorization: 'AWS4-HMAC-SHA256 x', 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ Name: '/app/key' }),
      });
    expect((await post()).status).toBe(200);

    const throttled = await post();

    expect(throttled.status).toBe(400);
    expect(throttled.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
    expect(await throttled.json()).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it('is turned off by setQuota(undefined) and by clear()', async () => {
    const [a] = clients as [SSMClient];
    server.faults.setQuota({ rate: 1, burst: 1, now: () => now });
    await read(a);
    server.faults.setQuota(undefined);
    await expect(read(a)).resolves.toBe('v');
    server.faults.setQuota({ rate: 1, burst: 1, now: () => now }).clear();
    await read(a);
    await expect(read(a)).resolves.toBe('v');
  });

  it('rejects a bad quota with a TypeError naming the option', async () => {
    expect(() => server.faults.setQuota({ rate: 0 })).toThrow('startSsmServer: quota.rate must be a finite number of requests per second > 0');
    expect(() => server.faults.setQuota({ rate: 1, burst: 0.5 })).toThrow(/quota\.burst/);
    await expect(startSsmServer({ quota: { rate: Number.NaN } })).rejects.toThrow(/quota\.rate/);
  });
});
