import type { Quota } from './harness/quota.js';

/** Sizes and sample counts of one bench run: the full run, or `--quick` for tests. */
export interface BenchConfig {
  readonly quick: boolean;
  /** Where results.json is written. */
  readonly out: string;
  /** Run only the measures with these labels (`--only fleet-boot`); empty for every measure. */
  readonly only: readonly string[];
  /** Hand-loop micro measures. */
  readonly loop: { readonly samples: number; readonly sampleMs: number; readonly warmupMs: number };
  /** Key counts of the scaling measure; the first is the reference. */
  readonly scaleSizes: readonly [number, ...number[]];
  /** Concurrent callers on one cold key. */
  readonly concurrentCallers: number;
  /** Latency of the mock backend and of the loopback server in the concurrency measure (ms). */
  readonly coldLatencyMs: number;
  /** Parameters prefetched at boot. */
  readonly bootParameters: number;
  /** Latency the loopback SSM server adds per request at boot (ms). */
  readonly bootLatencyMs: number;
  /** Timed boot samples per library (after one discarded warm-up sample each). */
  readonly bootSamples: number;
  /** Cached entries in the heap measure. */
  readonly heapEntries: number;
  /** Length of every secret value (heap and boot measures). */
  readonly valueLength: number;
  /** Child processes per entry point in the import-time measure. */
  readonly importSamples: number;
  /** The loopback SSM server's request-rate quota in the quota measures (SSM's default: 40/s, burst 40). */
  readonly quota: Quota;
  /** Boot of one process against the quota: parameters, and runs per library (interleaved). */
  readonly throttledBoot: { readonly parameters: number; readonly runs: number };
  /** Processes booting together against one quota: how many, parameters each, samples per library. */
  readonly fleetBoot: { readonly processes: number; readonly parameters: number; readonly samples: number };
  /**
   * Processes refreshing together after boot: how many, secrets each, their ttl (s), how long
   * they keep reading after boot (ms), and how often each reads every field (ms).
   */
  readonly fleetRefresh: {
    readonly processes: number;
    readonly secrets: number;
    readonly ttl: number;
    readonly durationMs: number;
    readonly readEveryMs: number;
  };
}

/** The sizes the task sets: a full run takes about a minute. */
const FULL = {
  quick: false,
  loop: { samples: 21, sampleMs: 15, warmupMs: 300 },
  scaleSizes: [10, 1_000, 100_000],
  concurrentCallers: 10_000,
  coldLatencyMs: 1,
  bootParameters: 1_000,
  bootLatencyMs: 5,
  bootSamples: 7,
  heapEntries: 100_000,
  valueLength: 32,
  importSamples: 9,
  quota: { rate: 40, burst: 40 },
  throttledBoot: { parameters: 1_000, runs: 3 },
  fleetBoot: { processes: 20, parameters: 200, samples: 3 },
  fleetRefresh: { processes: 20, secrets: 50, ttl: 5, durationMs: 20_000, readEveryMs: 100 },
} as const;

/** Small sizes: every measure runs, in a few seconds, for the integration test. */
const QUICK = {
  quick: true,
  loop: { samples: 5, sampleMs: 3, warmupMs: 30 },
  scaleSizes: [10, 100, 1_000],
  concurrentCallers: 200,
  coldLatencyMs: 1,
  bootParameters: 100,
  bootLatencyMs: 5,
  bootSamples: 2,
  heapEntries: 20_000,
  valueLength: 32,
  importSamples: 2,
  // A small burst, so that the small quick sizes still run into the quota.
  quota: { rate: 40, burst: 5 },
  throttledBoot: { parameters: 100, runs: 2 },
  fleetBoot: { processes: 3, parameters: 50, samples: 1 },
  fleetRefresh: { processes: 3, secrets: 20, ttl: 1, durationMs: 2_500, readEveryMs: 100 },
} as const;

/** Where results go unless `--out` says otherwise (relative to the working directory). */
export const DEFAULT_OUT = 'bench/results.json';

/**
 * Reads `--quick`, `--out <file>` (or `--out=<file>`) and `--only <label>` (repeatable; a label
 * with dashes for spaces, e.g. `fleet-boot`) from the command line.
 * @param argv - the arguments after the script name
 */
export function parseBenchArgs(argv: readonly string[]): BenchConfig {
  let quick = false;
  let out = DEFAULT_OUT;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
      if (value === undefined || value === '') throw new TypeError('--out needs a file name');
      out = value;
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value === '') throw new TypeError('--only needs a measure label, e.g. fleet-boot');
      only.push(value.replaceAll('-', ' '));
    } else {
      throw new TypeError(`unknown argument ${arg}; usage: run.js [--quick] [--out <file>] [--only <measure>]...`);
    }
  }
  return { ...(quick ? QUICK : FULL), out, only };
}
