import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { bindSecrets, dispose } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';

import type { BenchConfig } from '../BenchConfig.js';
import { startSsmServerThread, type SsmServerThread } from '../harness/ssmServerThread.js';
import { summarize } from '../harness/summarize.js';
import { measure, oursEquals, ratioAtMost, type Measure } from '../Measure.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';
import { loopbackClient, loopbackClientConfig } from './ssmClient.js';

const WALL_TARGET = ratioAtMost(0.5);
/** At equal concurrency (one request in flight on each side) only the per-request cost differs. */
const EQUAL_CONCURRENCY_TARGET = ratioAtMost(0.9);

interface BootRun {
  ms: number;
  /** CPU time of the whole process over the sample (client and in-process loopback server), ms. */
  cpuMs: number;
  getParameters: number;
  requests: number;
  /** The most requests the server had open at once. */
  maxOpen: number;
}

/**
 * Boot: a `validate: 'fetch'` model with one field per parameter, bound through `bindSecrets`
 * over `AWSSSMBackend` (which prefetches: `GetParameters` in chunks of 10, 4 chunks in flight),
 * against Powertools' `getParametersByName` for the same names on the same server, which sends
 * its chunks one after another. Because that compares 4 requests in flight with 1, the same boot
 * also runs with `new AWSSSMBackend({ concurrency: 1 })`: equal concurrency, so the ratio is the
 * libraries' own cost per request. Each sample builds a fresh client (and a fresh provider, whose
 * cache would otherwise answer), as a process starting up would; the first sample of each is a
 * discarded warm-up; the three sides are sampled round-robin, each round starting one side later.
 * The server runs on a worker thread, as a real SSM runs off the client's thread: what a client
 * spends between its requests is then its own.
 */
export async function boot(bench: BenchConfig): Promise<Measure[]> {
  const count = bench.bootParameters;
  const paths = makePaths('/bench/boot', count);
  const values = paths.map((_, i) => makeValue(i, bench.valueLength));
  const server = await startSsmServerThread({
    parameters: Object.fromEntries(paths.map((path, i) => [path, values[i] as string])),
    latencyMs: bench.bootLatencyMs,
  });
  try {
    const Model = generateModel(`Boot${count}Config`, paths, { validate: 'fetch' });
    const last = `k${count - 1}`;

    const vaultly = async (concurrency?: number): Promise<BootRun> => {
      const backend = new AWSSSMBackend({
        clientConfig: loopbackClientConfig(server.endpoint),
        ...(concurrency === undefined ? {} : { concurrency }),
      });
      try {
        await server.clearRequests();
        const cpu = process.cpuUsage();
        const start = performance.now();
        const config = (await bindSecrets(new Model(), { backend })) as Record<string, unknown>;
        const ms = performance.now() - start;
        const cpuMs = cpuMsSince(cpu);
        const ok = config['k0'] === values[0] && config[last] === values[count - 1];
        dispose(config);
        if (!ok) throw new Error('boot: vaultly read wrong values');
        return await counted(server, ms, cpuMs);
      } finally {
        backend.destroy();
      }
    };
    const theirs = async (): Promise<BootRun> => {
      const client = loopbackClient(server.endpoint);
      try {
        const provider = new SSMProvider({ awsSdkV3Client: client });
        await server.clearRequests();
        const cpu = process.cpuUsage();
        const start = performance.now();
        const result = await provider.getParametersByName<string>(Object.fromEntries(paths.map((path) => [path, {}])));
        const ms = performance.now() - start;
        const cpuMs = cpuMsSince(cpu);
        if (result[paths[0] as string] !== values[0] || result[paths[count - 1] as string] !== values[count - 1]) {
          throw new Error('boot: Powertools read wrong values');
        }
        return await counted(server, ms, cpuMs);
      } finally {
        client.destroy();
      }
    };

    const sides = [() => vaultly(), () => vaultly(1), theirs] as const;
    for (const side of sides) await side();
    const runs: BootRun[][] = sides.map(() => []);
    for (let round = 0; round < bench.bootSamples; round++) {
      for (let j = 0; j < sides.length; j++) {
        const k = (round + j) % sides.length;
        (runs[k] as BootRun[]).push(await (sides[k] as () => Promise<BootRun>)());
      }
    }
    const [oursRuns, sequentialRuns, theirRuns] = runs as [BootRun[], BootRun[], BootRun[]];
    const oursMs = summarize(oursRuns.map((r) => r.ms));
    const sequentialMs = summarize(sequentialRuns.map((r) => r.ms));
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
        met: callTarget.met(oursCalls) && [...oursRuns, ...sequentialRuns].every((r) => r.requests === r.getParameters && r.getParameters === expectedCalls),
        baselineName: 'Powertools SSMProvider.getParametersByName, same names, same server',
        detail: {
          oursRequestsPerSample: oursRuns.map((r) => r.requests),
          oursGetParametersPerSample: oursRuns.map((r) => r.getParameters),
          oursAtConcurrency1GetParametersPerSample: sequentialRuns.map((r) => r.getParameters),
          baselineGetParametersPerSample: theirRuns.map((r) => r.getParameters),
        },
      }),
      measure({
        id: 'boot-wall',
        name: `Boot: wall time to prefetch ${sizes}, vaultly default (4 GetParameters in flight)`,
        unit: 'ms',
        ours: oursMs.median,
        baseline: theirMs.median,
        target: WALL_TARGET.target,
        met: WALL_TARGET.met(oursMs.median, theirMs.median),
        baselineName: 'Powertools SSMProvider.getParametersByName, same names, same server: its chunks one after another (1 in flight)',
        spread: { ours: oursMs, baseline: theirMs },
        detail: {
          method: 'wall time per sample (fresh SDK client each), median of alternating samples after one warm-up each',
          ours: oursMs,
          baseline: theirMs,
          notes:
            'vaultly: bindSecrets on a validate: fetch model, AWSSSMBackend defaults (WithDecryption true, 4 GetParameters in flight). ' +
            'Powertools: getParametersByName with its default decrypt (false), which sends GetParameters chunks one after another; with decrypt: true it sends one GetParameter per name instead.',
        },
      }),
      measure({
        id: 'boot-wall-equal-concurrency',
        name: `Boot: wall time to prefetch ${sizes}, at equal concurrency (AWSSSMBackend concurrency: 1)`,
        unit: 'ms',
        ours: sequentialMs.median,
        baseline: theirMs.median,
        target: EQUAL_CONCURRENCY_TARGET.target,
        // Equal only if neither side ever had two requests open at the server.
        met: EQUAL_CONCURRENCY_TARGET.met(sequentialMs.median, theirMs.median) && [...sequentialRuns, ...theirRuns].every((r) => r.maxOpen === 1),
        baselineName: 'Powertools SSMProvider.getParametersByName, same names, same server, 1 GetParameters in flight as ours',
        spread: { ours: sequentialMs, baseline: theirMs },
        detail: {
          method: 'wall time per sample (fresh SDK client each), median of round-robin samples after one warm-up each, sampled with the boot-wall sides',
          ours: sequentialMs,
          baseline: theirMs,
          // Where a request's time goes: the server's latency is waited, the rest is CPU on the one
          // thread both the client and the loopback server run on.
          perRequest: { ours: perRequest(sequentialRuns), baseline: perRequest(theirRuns), serverLatencyMs: bench.bootLatencyMs },
          mostOpenAtServer: { ours: Math.max(...sequentialRuns.map((r) => r.maxOpen)), baseline: Math.max(...theirRuns.map((r) => r.maxOpen)) },
          notes:
            'vaultly: bindSecrets on a validate: fetch model, new AWSSSMBackend({ concurrency: 1 }) (WithDecryption true): one GetParameters on the wire, the next made ready by the SDK meanwhile. ' +
            'Powertools: getParametersByName, default decrypt (false). Both send one GetParameters of 10 names at a time. ' +
            'The loopback server runs on a worker thread. perRequest: median wall and process CPU time per request (the CPU counts both threads).',
        },
      }),
    ];
  } finally {
    await server.close();
  }
}

async function counted(server: SsmServerThread, ms: number, cpuMs: number): Promise<BootRun> {
  return { ms, cpuMs, getParameters: await server.requestCount('GetParameters'), requests: await server.requestCount(), maxOpen: await server.maxOpen() };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/** Median wall and CPU time per request of a side's samples, to the microsecond. */
function perRequest(runs: readonly BootRun[]): { wallMs: number; cpuMs: number } {
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    wallMs: round(summarize(runs.map((r) => r.ms / r.requests)).median),
    cpuMs: round(summarize(runs.map((r) => r.cpuMs / r.requests)).median),
  };
}
