import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { bindSecrets, dispose, RetryingBackend } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { startSsmServer, type SsmServer } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { quotaFloorSeconds } from '../harness/quota.js';
import { summarize } from '../harness/summarize.js';
import { measure, oursAtMost, type Measure } from '../Measure.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';
import { loopbackClientConfig, sdkDefaultRetryClient } from './ssmClient.js';

/** Wall time may be at most this multiple of the quota's floor. */
const WALL_OVER_FLOOR = 1.3;
/** Requests per run may be at most this multiple of the minimum (one per chunk of 10). */
const REQUESTS_OVER_MINIMUM = 1.1;

/** One boot against the quota: whether it succeeded, how long it took, what it sent. */
export interface QuotaRun {
  readonly ok: boolean;
  readonly ms: number;
  readonly requests: number;
  readonly throttled: number;
  /** The error's name when the boot failed. */
  readonly error?: string;
}

/**
 * Throttled boot: one process boots its parameters against SSM's default quota (a token bucket
 * on the loopback server), with library defaults: `bindSecrets` on a `validate: 'fetch'` model
 * over `new RetryingBackend(new AWSSSMBackend())`. Powertools' `getParametersByName`, over a
 * client with the SDK's default retries, runs against the same server in the same run, as the
 * reference. Each run starts on a full bucket; runs alternate (ABBA).
 */
export async function throttledBoot(bench: BenchConfig): Promise<Measure[]> {
  const { quota } = bench;
  const { parameters: count, runs } = bench.throttledBoot;
  const paths = makePaths('/bench/throttled', count);
  const values = paths.map((_, i) => makeValue(i, bench.valueLength));
  const server = await startSsmServer({
    parameters: Object.fromEntries(paths.map((path, i) => [path, values[i] as string])),
    latencyMs: bench.bootLatencyMs,
  });
  try {
    const Model = generateModel(`Throttled${count}Config`, paths, { validate: 'fetch' });
    const last = `k${count - 1}`;
    const minimum = Math.ceil(count / 10);
    const floorMs = quotaFloorSeconds(minimum, quota) * 1000;

    const ours = async (): Promise<QuotaRun> => {
      const ssm = new AWSSSMBackend({ clientConfig: loopbackClientConfig(server.endpoint) });
      const backend = new RetryingBackend(ssm);
      try {
        return await timed(server, bench, async () => {
          const config = (await bindSecrets(new Model(), { backend })) as Record<string, unknown>;
          const ok = config['k0'] === values[0] && config[last] === values[count - 1];
          dispose(config);
          if (!ok) throw new Error('throttled boot: vaultly read wrong values');
        });
      } finally {
        ssm.destroy();
      }
    };
    const theirs = async (): Promise<QuotaRun> => {
      const client = sdkDefaultRetryClient(server.endpoint);
      try {
        const provider = new SSMProvider({ awsSdkV3Client: client });
        return await timed(server, bench, async () => {
          const result = await provider.getParametersByName<string>(Object.fromEntries(paths.map((path) => [path, {}])));
          if (result[paths[0] as string] !== values[0] || result[paths[count - 1] as string] !== values[count - 1]) {
            throw new Error('throttled boot: Powertools read wrong values');
          }
        });
      } finally {
        client.destroy();
      }
    };

    const oursRuns: QuotaRun[] = [];
    const theirRuns: QuotaRun[] = [];
    for (let i = 0; i < runs; i++) {
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
    const oursOk = oursRuns.filter((r) => r.ok).length;
    const theirOk = theirRuns.filter((r) => r.ok).length;
    const oursRequests = Math.max(...oursRuns.map((r) => r.requests));
    const theirRequests = Math.max(...theirRuns.map((r) => r.requests));
    const wallTarget = oursAtMost(Math.round(WALL_OVER_FLOOR * floorMs));
    const requestTarget = oursAtMost(Math.floor(REQUESTS_OVER_MINIMUM * minimum));
    const sizes = `${count.toLocaleString('en-US')} SSM parameters at ${quota.rate} req/s (burst ${quota.burst}), ${bench.bootLatencyMs} ms per request`;
    const baselineName = `Powertools getParametersByName over an SSM client with the SDK's default retries (reference; ${theirOk} of ${runs} runs succeeded)`;
    const detail = {
      method: `${runs} runs per library, alternating, each on a full bucket; wall time from bindSecrets (getParametersByName) to values`,
      ours: { library: 'bindSecrets, validate: fetch, new RetryingBackend(new AWSSSMBackend()) with defaults', succeeded: oursOk, runs: oursRuns },
      baseline: { library: 'SSMProvider.getParametersByName, SDK default retries', succeeded: theirOk, runs: theirRuns },
      quotaFloorMs: floorMs,
      minimumRequests: minimum,
    };
    return [
      measure({
        id: 'throttled-boot',
        name: `Throttled boot: wall time to prefetch ${sizes}; target ${WALL_OVER_FLOOR}x the quota's floor, every run ok`,
        unit: 'ms',
        ours: oursMs.median,
        baseline: theirMs.median,
        target: `${wallTarget.target} (${WALL_OVER_FLOOR}x floor ${Math.round(floorMs)} ms), ${runs}/${runs} ok`,
        met: wallTarget.met(oursMs.median) && oursOk === runs,
        baselineName,
        detail,
        spread: { ours: oursMs, baseline: theirMs },
      }),
      measure({
        id: 'throttled-boot-requests',
        name: `Throttled boot: requests per run (worst run) to prefetch ${sizes}`,
        unit: 'requests',
        ours: oursRequests,
        baseline: theirRequests,
        target: requestTarget.target,
        met: requestTarget.met(oursRequests) && oursOk === runs,
        baselineName,
        detail,
      }),
    ];
  } finally {
    await server.close();
  }
}

/** Runs one boot on a full bucket and an empty request log, timing it and counting its requests. */
async function timed(server: SsmServer, bench: BenchConfig, boot: () => Promise<void>): Promise<QuotaRun> {
  server.faults.setQuota(bench.quota);
  server.clearRequests();
  const start = performance.now();
  let error: string | undefined;
  try {
    await boot();
  } catch (failure) {
    error = failure instanceof Error ? failure.name : typeof failure;
  }
  const ms = performance.now() - start;
  const requests = server.requestCount();
  const throttled = server.requestCount((r) => r.throttled);
  return { ok: error === undefined, ms, requests, throttled, ...(error === undefined ? {} : { error }) };
}
