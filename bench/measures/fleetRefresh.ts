import { startSsmServer } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { startFleet, type Fleet } from '../fleet/startFleet.js';
import { maxPerWindow, perSecond } from '../harness/quota.js';
import { summarize } from '../harness/summarize.js';
import { measure, oursEquals, ratioAtMost, type Measure } from '../Measure.js';
import { makePaths, makeValue } from '../models/generateModel.js';

const WINDOW_TARGET = ratioAtMost(1);
const THROTTLED_TARGET = oursEquals(0);

/**
 * Fleet refresh: `processes` real `node` processes boot together (library defaults, as in
 * fleet-boot), each with `secrets` fields of a short ttl, then read every field synchronously
 * every `readEveryMs` for `durationMs`, so that expired fields refresh in the background, again
 * and again, against one quota. Target: after boot, no one-second window above the quota's rate,
 * no throttled refresh, no synchronous read that throws. One sample: this is a steady state over
 * many refresh cycles, not a single event.
 */
export async function fleetRefresh(bench: BenchConfig): Promise<Measure[]> {
  const { quota } = bench;
  const { processes, secrets, ttl, durationMs, readEveryMs } = bench.fleetRefresh;
  const prefixOf = (i: number): string => `/bench/refresh/svc${i}`;
  const seeds: Record<string, string> = {};
  for (let i = 0; i < processes; i++) {
    makePaths(prefixOf(i), secrets).forEach((path, j) => (seeds[path] = makeValue(j, bench.valueLength)));
  }
  const server = await startSsmServer({ parameters: seeds, latencyMs: bench.bootLatencyMs, quota });
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet(processes);
    server.faults.setQuota(quota);
    server.clearRequests();
    const round = await fleet.run((i) => ({
      type: 'boot',
      library: 'vaultly',
      endpoint: server.endpoint,
      prefix: prefixOf(i),
      parameters: secrets,
      valueLength: bench.valueLength,
      refresh: { ttl, durationMs, readEveryMs },
    }));

    // The refresh phase starts when the last process has booted, as the parent heard it.
    const bootedAt = Math.max(...round.boots.map((b) => b.receivedAt));
    const after = server.requests.filter((r) => r.at.getTime() >= bootedAt);
    const times = after.map((r) => r.at.getTime());
    const maxWindow = maxPerWindow(times);
    const throttled = after.filter((r) => r.throttled).length;
    const booted = round.boots.filter((b) => b.ok).length;
    const reads = round.refreshes.reduce((sum, r) => sum + r.reads, 0);
    const syncErrors = round.refreshes.reduce((sum, r) => sum + r.errors, 0);
    const errorNames: Record<string, number> = {};
    for (const r of round.refreshes) for (const [name, n] of Object.entries(r.errorNames)) errorNames[name] = (errorNames[name] ?? 0) + n;
    const ops: Record<string, number> = {};
    for (const r of after) ops[r.op] = (ops[r.op] ?? 0) + 1;
    const clean = throttled === 0 && syncErrors === 0 && booted === processes;

    const sizes = `${processes} processes, ${secrets} secrets each with a ${ttl} s ttl, ${durationMs / 1000} s after boot, ${quota.rate} req/s quota (burst ${quota.burst})`;
    const detail = {
      method: `every process reads all ${secrets} fields synchronously every ${readEveryMs} ms; requests counted from the moment the last process booted`,
      library: 'bindSecrets, validate: fetch, new RetryingBackend(new AWSSSMBackend()) with defaults; background refresh on read of an expired field',
      booted,
      bootMs: summarize(round.boots.map((b) => b.ms)),
      requestsAfterBoot: after.length,
      requestsByOperation: ops,
      requestsPerSecond: perSecond(times, bootedAt),
      maxRequestsInOneSecondWindow: maxWindow,
      throttledAfterBoot: throttled,
      syncReads: reads,
      syncReadErrors: syncErrors,
      syncReadErrorNames: errorNames,
    };
    return [
      measure({
        id: 'fleet-refresh',
        name: `Fleet refresh: most requests in any one-second window after boot, ${sizes}`,
        unit: 'requests/s',
        ours: maxWindow,
        baseline: quota.rate,
        target: `${WINDOW_TARGET.target}, no throttled refresh, no sync-read error`,
        met: WINDOW_TARGET.met(maxWindow, quota.rate) && clean,
        baselineName: `the quota's rate: ${quota.rate} requests a second`,
        detail,
      }),
      measure({
        id: 'fleet-refresh-throttled',
        name: `Fleet refresh: throttled requests after boot (${syncErrors.toLocaleString('en-US')} of ${reads.toLocaleString('en-US')} sync reads threw), ${sizes}`,
        unit: 'requests',
        ours: throttled,
        // Every request after boot: the ratio is the throttled share.
        baseline: Math.max(1, after.length),
        target: `${THROTTLED_TARGET.target}, no sync-read error`,
        met: THROTTLED_TARGET.met(throttled) && clean,
        baselineName: 'all requests after boot (the ratio is the throttled share)',
        detail,
      }),
    ];
  } finally {
    await fleet?.close();
    await server.close();
  }
}
