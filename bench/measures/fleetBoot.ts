import { startSsmServer } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import type { FleetLibrary } from '../fleet/FleetMessages.js';
import { startFleet, type Fleet } from '../fleet/startFleet.js';
import { quotaFloorSeconds } from '../harness/quota.js';
import { quantile, summarize } from '../harness/summarize.js';
import { measure, oursAtMost, type Measure } from '../Measure.js';
import { makePaths, makeValue } from '../models/generateModel.js';

/** The p99 boot may be at most this multiple of the quota's floor. */
const P99_OVER_FLOOR = 1.5;
/** The fleet's requests may be at most this multiple of the minimum (one per chunk of 10). */
const REQUESTS_OVER_MINIMUM = 1.25;

/** One fleet boot: every process started together on a full bucket. */
interface FleetSample {
  readonly ok: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requests: number;
  readonly throttled: number;
  /** Error names of the processes that failed, with counts. */
  readonly errors: Readonly<Record<string, number>>;
}

/**
 * Fleet boot: `processes` real `node` processes (build/bench/fleet/fleetWorker.js) boot at once,
 * each its own parameters, against one loopback SSM server behind one quota, as pods of a service
 * rolling out together share an account's quota. vaultly with library defaults; Powertools'
 * `getParametersByName` (SDK default retries) in the same run for reference. The workers are
 * started and loaded first, so a sample times boots, not process start-up; samples alternate.
 */
export async function fleetBoot(bench: BenchConfig): Promise<Measure[]> {
  const { quota } = bench;
  const { processes, parameters, samples } = bench.fleetBoot;
  const prefixOf = (i: number): string => `/bench/fleet/svc${i}`;
  const seeds: Record<string, string> = {};
  for (let i = 0; i < processes; i++) {
    makePaths(prefixOf(i), parameters).forEach((path, j) => (seeds[path] = makeValue(j, bench.valueLength)));
  }
  const server = await startSsmServer({ parameters: seeds, latencyMs: bench.bootLatencyMs });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(processes);
    const run = async (library: FleetLibrary): Promise<FleetSample> => {
      server.faults.setQuota(quota);
      server.clearRequests();
      const round = await (fleet as Fleet).run((i) => ({
        type: 'boot',
        library,
        endpoint: server.endpoint,
        prefix: prefixOf(i),
        parameters,
        valueLength: bench.valueLength,
      }));
      const ms = round.boots.map((b) => b.ms);
      const errors: Record<string, number> = {};
      for (const boot of round.boots) if (!boot.ok) errors[boot.error ?? 'unknown'] = (errors[boot.error ?? 'unknown'] ?? 0) + 1;
      return {
        ok: round.boots.filter((b) => b.ok).length,
        p99Ms: quantile(ms, 0.99),
        maxMs: Math.max(...ms),
        requests: server.requestCount(),
        throttled: server.requestCount((r) => r.throttled),
        errors,
      };
    };

    const ours: FleetSample[] = [];
    const theirs: FleetSample[] = [];
    for (let i = 0; i < samples; i++) {
      if (i % 2 === 0) {
        ours.push(await run('vaultly'));
        theirs.push(await run('powertools'));
      } else {
        theirs.push(await run('powertools'));
        ours.push(await run('vaultly'));
      }
    }

    const minimum = processes * Math.ceil(parameters / 10);
    const floorMs = quotaFloorSeconds(minimum, quota) * 1000;
    const oursP99 = summarize(ours.map((s) => s.p99Ms));
    const theirP99 = summarize(theirs.map((s) => s.p99Ms));
    const oursRequests = summarize(ours.map((s) => s.requests));
    const theirRequests = summarize(theirs.map((s) => s.requests));
    const allOk = ours.every((s) => s.ok === processes);
    const theirOk = theirs.map((s) => s.ok);
    const wallTarget = oursAtMost(Math.round(P99_OVER_FLOOR * floorMs));
    const requestTarget = oursAtMost(Math.floor(REQUESTS_OVER_MINIMUM * minimum));
    const sizes = `${processes} processes at once, ${parameters} SSM parameters each, ${quota.rate} req/s quota (burst ${quota.burst})`;
    const baselineName =
      `Powertools getParametersByName in each process, SDK default retries (reference; processes that succeeded per sample: ` +
      `${theirOk.map((n) => `${n}/${processes}`).join(', ')})`;
    const detail = {
      method: `${samples} samples per library, alternating; each sample starts every worker's boot at once on a full bucket`,
      ours: { library: 'bindSecrets, validate: fetch, new RetryingBackend(new AWSSSMBackend()) with defaults', samples: ours },
      baseline: { library: 'SSMProvider.getParametersByName, SDK default retries', samples: theirs },
      quotaFloorMs: floorMs,
      minimumRequests: minimum,
    };
    return [
      measure({
        id: 'fleet-boot',
        name: `Fleet boot: p99 boot time, ${sizes}; target ${P99_OVER_FLOOR}x the quota's floor, every process ok`,
        unit: 'ms',
        ours: oursP99.median,
        baseline: theirP99.median,
        target: `${wallTarget.target} (${P99_OVER_FLOOR}x floor ${Math.round(floorMs)} ms), ${processes}/${processes} ok`,
        met: wallTarget.met(oursP99.median) && allOk,
        baselineName,
        detail,
        spread: { ours: oursP99, baseline: theirP99 },
      }),
      measure({
        id: 'fleet-boot-requests',
        name: `Fleet boot: requests of the whole fleet, ${sizes} (minimum ${minimum})`,
        unit: 'requests',
        ours: oursRequests.median,
        baseline: theirRequests.median,
        target: requestTarget.target,
        met: requestTarget.met(oursRequests.median) && allOk,
        baselineName,
        detail,
        spread: { ours: oursRequests, baseline: theirRequests },
      }),
    ];
  } finally {
    await fleet?.close();
    await server.close();
  }
}
