import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { bindSecrets, dispose } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { startSsmServer, type SsmServer } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { summarize } from '../harness/summarize.js';
import { measure, oursEquals, ratioAtMost, type Measure } from '../Measure.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';
import { loopbackClient, loopbackClientConfig } from './ssmClient.js';

const WALL_TARGET = ratioAtMost(0.5);

interface BootRun {
  ms: number;
  getParameters: number;
  requests: number;
}

/**
 * Boot: a `validate: 'fetch'` model with one field per parameter, bound through `bindSecrets`
 * over `AWSSSMBackend` (which prefetches: `GetParameters` in chunks of 10, 4 chunks in flight),
 * against Powertools' `getParametersByName` for the same names on the same server. Each sample
 * builds a fresh client (and a fresh provider, whose cache would otherwise answer), as a process
 * starting up would; the first sample of each is a discarded warm-up; samples alternate.
 */
export async function boot(bench: BenchConfig): Promise<Measure[]> {
  const count = bench.bootParameters;
  const paths = makePaths('/bench/boot', count);
  const values = paths.map((_, i) => makeValue(i, bench.valueLength));
  const server = await startSsmServer({ parameters: Object.fromEntries(paths.map((path, i) => [path, values[i] as string])) });
  try {
    server.faults.setLatency(bench.bootLatencyMs);
    const Model = generateModel(`Boot${count}Config`, paths, { validate: 'fetch' });
    const last = `k${count - 1}`;

    const ours = async (): Promise<BootRun> => {
      const backend = new AWSSSMBackend({ clientConfig: loopbackClientConfig(server.endpoint) });
      try {
        server.clearRequests();
        const start = performance.now();
        const config = (await bindSecrets(new Model(), { backend })) as Record<string, unknown>;
        const ms = performance.now() - start;
        const ok = config['k0'] === values[0] && config[last] === values[count - 1];
        dispose(config);
        if (!ok) throw new Error('boot: vaultly read wrong values');
        return counted(server, ms);
      } finally {
        backend.destroy();
      }
    };
    const theirs = async (): Promise<BootRun> => {
      const client = loopbackClient(server.endpoint);
      try {
        const provider = new SSMProvider({ awsSdkV3Client: client });
        server.clearRequests();
        const start = performance.now();
        const result = await provider.getParametersByName<string>(Object.fromEntries(paths.map((path) => [path, {}])));
        const ms = performance.now() - start;
        if (result[paths[0] as string] !== values[0] || result[paths[count - 1] as string] !== values[count - 1]) {
          throw new Error('boot: Powertools read wrong values');
        }
        return counted(server, ms);
      } finally {
        client.destroy();
      }
    };

    await ours();
    await theirs();
    const oursRuns: BootRun[] = [];
    const theirRuns: BootRun[] = [];
    for (let i = 0; i < bench.bootSamples; i++) {
      if (i % 2 === 0) {
        oursRuns.push(await ours());
        theirRuns.push(await theirs());
      } else {
        theirRuns.push(await theirs());
        oursRuns.push(await ours());
      }
    }
    const oursMs = summarize(oursRuns.map((r) => r.ms));
    const theirMs = summarize(theirRuns.map((r) => r.ms));
    // Every sample must have made the same calls; report the worst, not a median, of a count.
    const oursCalls = Math.max(...oursRuns.map((r) => r.getParameters));
    const theirCalls = Math.max(...theirRuns.map((r) => r.getParameters));
    const expectedCalls = Math.ceil(count / 10);
    const callTarget = oursEquals(expectedCalls);
    const sizes = `${count.toLocaleString('en-US')} SSM parameters, ${bench.bootLatencyMs} ms per request`;
    return [
      measure({
        id: 'boot-calls',
        name: `Boot: GetParameters calls to prefetch ${sizes}`,
        unit: 'GetParameters calls',
        ours: oursCalls,
        baseline: theirCalls,
        target: callTarget.target,
        met: callTarget.met(oursCalls) && oursRuns.every((r) => r.requests === r.getParameters),
        baselineName: 'Powertools SSMProvider.getParametersByName, same names, same server',
        detail: {
          oursRequestsPerSample: oursRuns.map((r) => r.requests),
          oursGetParametersPerSample: oursRuns.map((r) => r.getParameters),
          baselineGetParametersPerSample: theirRuns.map((r) => r.getParameters),
        },
      }),
      measure({
        id: 'boot-wall',
        name: `Boot: wall time to prefetch ${sizes}`,
        unit: 'ms',
        ours: oursMs.median,
        baseline: theirMs.median,
        target: WALL_TARGET.target,
        met: WALL_TARGET.met(oursMs.median, theirMs.median),
        baselineName: 'Powertools SSMProvider.getParametersByName, same names, same server',
        detail: {
          method: 'wall time per sample (fresh SDK client each), median of alternating samples after one warm-up each',
          ours: oursMs,
          baseline: theirMs,
          notes:
            'vaultly: bindSecrets on a validate: fetch model, AWSSSMBackend defaults (WithDecryption true, 4 GetParameters in flight). ' +
            'Powertools: getParametersByName with its default decrypt (false), which sends GetParameters chunks one after another; with decrypt: true it sends one GetParameter per name instead.',
        },
      }),
    ];
  } finally {
    await server.close();
  }
}

function counted(server: SsmServer, ms: number): BootRun {
  return { ms, getParameters: server.requestCount('GetParameters'), requests: server.requestCount() };
}
