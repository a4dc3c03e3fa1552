import 'reflect-metadata';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { bindSecrets, dispose, getSecret, Secret, SecretModel, type Backend } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { startSsmServer } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { measure, oursEquals, type Measure } from '../Measure.js';
import { makeValue } from '../models/generateModel.js';
import { loopbackClient, loopbackClientConfig } from './ssmClient.js';
import { SlowMockBackend } from './SlowMockBackend.js';

const PATH = '/bench/cold/apiKey';
const TARGET = oursEquals(1);

@SecretModel()
class ColdConfig {
  @Secret(PATH) apiKey!: string;
}

/**
 * Many concurrent `getSecret` calls on one cold key: vaultly shares one fetch, so the backend
 * sees one read. Powertools' `SSMProvider.get` checks its cache before each call and stores
 * only after the response, so every caller that arrives before the first response sends its own
 * `GetParameter`. Ours also runs over the same loopback server through `AWSSSMBackend`, for a
 * like-for-like request count and wall time.
 */
export async function coldConcurrency(bench: BenchConfig): Promise<Measure> {
  const callers = bench.concurrentCallers;
  const value = makeValue(7, 32);

  const mock = new SlowMockBackend({ [PATH]: value }, bench.coldLatencyMs);
  const onMock = await concurrentGetSecret(mock, callers, value);
  const oursCalls = mock.calls.length;

  const server = await startSsmServer({ parameters: { [PATH]: value } });
  try {
    server.faults.setLatency(bench.coldLatencyMs);
    const backend = new AWSSSMBackend({ clientConfig: loopbackClientConfig(server.endpoint) });
    let oursOverHttp: { ms: number; requests: number };
    try {
      server.clearRequests();
      const { ms } = await concurrentGetSecret(backend, callers, value);
      oursOverHttp = { ms, requests: server.requestCount('GetParameter') };
    } finally {
      backend.destroy();
    }

    const client = loopbackClient(server.endpoint);
    let theirs: { ms: number; requests: number };
    try {
      const provider = new SSMProvider({ awsSdkV3Client: client });
      server.clearRequests();
      const start = performance.now();
      const results = await Promise.all(Array.from({ length: callers }, () => provider.get(PATH)));
      const ms = performance.now() - start;
      if (results.some((result) => result !== value)) throw new Error('cold concurrency: Powertools returned a wrong value');
      theirs = { ms, requests: server.requestCount('GetParameter') };
    } finally {
      client.destroy();
    }

    return measure({
      id: 'cold-concurrency',
      name: `${callers.toLocaleString('en-US')} concurrent getSecret on one cold key (MockBackend, ${bench.coldLatencyMs} ms latency)`,
      unit: 'backend calls',
      ours: oursCalls,
      baseline: theirs.requests,
      target: TARGET.target,
      met: TARGET.met(oursCalls),
      baselineName: `Powertools SSMProvider.get, ${callers.toLocaleString('en-US')} concurrent calls, GetParameter requests on the loopback SSM server (${bench.coldLatencyMs} ms latency)`,
      detail: {
        callers,
        ours: { backend: 'SlowMockBackend (MockBackend + latency)', calls: oursCalls, wallMs: onMock.ms },
        oursOverLoopbackSsm: { backend: 'AWSSSMBackend', getParameterRequests: oursOverHttp.requests, wallMs: oursOverHttp.ms },
        baseline: { getParameterRequests: theirs.requests, wallMs: theirs.ms },
      },
    });
  } finally {
    await server.close();
  }
}

async function concurrentGetSecret(
  backend: Backend,
  callers: number,
  value: string,
): Promise<{ ms: number }> {
  const config = await bindSecrets(new ColdConfig(), { backend });
  try {
    const start = performance.now();
    const results = await Promise.all(Array.from({ length: callers }, () => getSecret(config, 'apiKey')));
    const ms = performance.now() - start;
    if (results.some((result) => result !== value)) throw new Error('cold concurrency: getSecret returned a wrong value');
    return { ms };
  } finally {
    dispose(config);
  }
}
