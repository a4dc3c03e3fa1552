import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { RetryingBackend } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';

/** SSM Parameter Store's default quota: 40 requests a second per account and region, burst 40. */
const RATE = 40;
const BURST = 40;
const LATENCY_MS = 5;
const PARAMETERS = 1_000;

/**
 * A tiny SSM `GetParameters` endpoint behind a token bucket, answering over-quota requests as SSM
 * does: HTTP 400, `x-amzn-ErrorType: ThrottlingException`, an awsJson1_1 error body.
 */
async function startQuotaServer(): Promise<{ endpoint: string; counts: { ok: number; throttled: number }; close: () => Promise<void> }> {
  const counts = { ok: 0, throttled: 0 };
  let tokens = BURST;
  let refilledAt = performance.now();
  const take = (): boolean => {
    const now = performance.now();
    tokens = Math.min(BURST, tokens + ((now - refilledAt) / 1000) * RATE);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(payload);
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text), ...headers });
        res.end(text);
      }, LATENCY_MS).unref();
    };
    if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameters') {
      send(400, { __type: 'InvalidAction', message: 'only GetParameters here' });
      return;
    }
    if (!take()) {
      counts.throttled++;
      send(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, { 'x-amzn-ErrorType': 'ThrottlingException' });
      return;
    }
    counts.ok++;
    const { Names: names } = JSON.parse(body) as { Names: string[] };
    const parameters = names.map((name) => ({ Name: name, Type: 'String', Value: `value-of-${name}`, Version: 1 }));
    send(200, { Parameters: parameters, InvalidParameters: [] });
  };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('AWSSSMBackend under the SSM throughput quota', () => {
  it(`boots ${PARAMETERS} parameters at ${RATE} req/s (burst ${BURST}) with default options and at most 110 requests`, async () => {
    const server = await startQuotaServer();
    const ssm = new AWSSSMBackend({
      region: 'eu-west-1',
      clientConfig: { endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret' } },
    });
    // What the README tells a user to write: RetryingBackend with default options.
    const backend = new RetryingBackend(ssm);
    const paths = Array.from({ length: PARAMETERS }, (_, i) => `/fleet/service/param-${String(i).padStart(4, '0')}`);
    try {
      const started = performance.now();
      const values = await backend.getBatch(paths);
      const seconds = (performance.now() - started) / 1000;
      const floor = (PARAMETERS / 10 - BURST) / RATE;
      expect(Object.keys(values)).toHaveLength(PARAMETERS);
      expect(values['/fleet/service/param-0999']).toBe('value-of-/fleet/service/param-0999');
      expect(server.counts.ok).toBe(PARAMETERS / 10); // no chunk that succeeded was asked for again
      expect(server.counts.ok + server.counts.throttled).toBeLessThanOrEqual(110);
      expect(server.counts.throttled).toBeGreaterThan(0); // the quota was really hit
      // Not a timed assertion (speed targets live in the bench); reported for the record.
      process.stdout.write(
        `quota boot: ${seconds.toFixed(2)} s (floor ${floor.toFixed(2)} s), ${server.counts.ok} ok + ${server.counts.throttled} throttled\n`,
      );
    } finally {
      ssm.destroy();
      await server.close();
    }
  });
});
