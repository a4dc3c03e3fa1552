import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { BenchResults, Measure } from '../../bench/Measure.js';

// Runs against the build: `npm test` compiles dist/ and build/ before jest starts.
const ROOT = process.cwd();
const RUN = resolve(ROOT, 'build/bench/run.js');
const COMMITTED = resolve(ROOT, 'bench/results.json');

/** The quick run's sizes (bench/BenchConfig.ts): 200 callers, 100 boot parameters. */
const QUICK_CALLERS = 200;
const QUICK_BOOT_PARAMETERS = 100;

const IDS = [
  'warm-read',
  'warm-read-later-instance',
  'warm-get-secret',
  'warm-read-wide-model-mid',
  'warm-read-wide-model-max',
  'warm-read-many-models-mid',
  'warm-read-many-models-max',
  'cold-concurrency',
  'boot-calls',
  'boot-wall',
  'heap-model',
  'heap-partition',
  'import-time',
];

function runBench(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  // jest's NODE_OPTIONS (--experimental-vm-modules) is not what `npm run bench` runs with.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return new Promise((done, fail) => {
    execFile(process.execPath, [RUN, ...args], { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) =>
      error === null ? done({ stdout, stderr }) : fail(new Error(`bench failed: ${stderr}`, { cause: error })),
    );
  });
}

function byId(results: BenchResults, id: string): Measure {
  const found = results.measures.find((m) => m.id === id);
  if (found === undefined) throw new Error(`no measure ${id}`);
  return found;
}

describe('npm run bench', () => {
  let dir: string;
  let results: BenchResults;
  let stdout: string;
  let committedBefore: string | undefined;

  beforeAll(async () => {
    if (!existsSync(RUN)) {
      throw new Error('build/bench/run.js is missing: run `npm run build && npm run build:examples` (npm test does) before this suite');
    }
    committedBefore = existsSync(COMMITTED) ? await readFile(COMMITTED, 'utf8') : undefined;
    dir = await mkdtemp(join(tmpdir(), 'vaultly-bench-spec-'));
    const out = join(dir, 'results.json');
    ({ stdout } = await runBench(['--quick', '--out', out]));
    results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
  }, 150_000);

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe('--quick --out <file>', () => {
    it('writes every measure, in order, with the shape results.json documents', () => {
      expect(results.quick).toBe(true);
      expect(results.measures.map((m) => m.id)).toEqual(IDS);
      for (const m of results.measures) {
        expect(m).toEqual({
          id: expect.any(String),
          name: expect.any(String),
          unit: expect.any(String),
          ours: expect.any(Number),
          baseline: expect.any(Number),
          ratio: expect.any(Number),
          target: expect.any(String),
          met: expect.any(Boolean),
          baselineName: expect.any(String),
          detail: expect.any(Object),
        });
        expect(Number.isFinite(m.ours) && m.ours >= 0).toBe(true);
        expect(Number.isFinite(m.baseline) && m.baseline > 0).toBe(true);
        expect(m.ratio).toBeCloseTo(m.ours / m.baseline, 9);
      }
    });

    it('prints a table with a row per measure and says where the results went', () => {
      for (const m of results.measures) expect(stdout).toContain(m.name);
      expect(stdout).toMatch(/measure\s+ours\s+baseline\s+ratio\s+target\s+met/);
      expect(stdout).toContain(`results written to ${dir}`);
    });

    it('leaves the committed bench/results.json untouched', async () => {
      const after = existsSync(COMMITTED) ? await readFile(COMMITTED, 'utf8') : undefined;
      expect(after).toBe(committedBefore);
    });
  });

  describe('cold concurrency', () => {
    it('makes exactly one backend call for every concurrent getSecret, and reports one request per Powertools caller', () => {
      const m = byId(results, 'cold-concurrency');
      expect(m.ours).toBe(1);
      expect(m.met).toBe(true);
      expect(m.baseline).toBe(QUICK_CALLERS);
      expect(m.detail['callers']).toBe(QUICK_CALLERS);
      expect(m.detail['oursOverLoopbackSsm']).toMatchObject({ getParameterRequests: 1 });
    });
  });

  describe('boot', () => {
    it('prefetches through one GetParameters call per 10 names, as Powertools does', () => {
      const m = byId(results, 'boot-calls');
      expect(m.ours).toBe(QUICK_BOOT_PARAMETERS / 10);
      expect(m.target).toBe(`ours == ${QUICK_BOOT_PARAMETERS / 10}`);
      expect(m.met).toBe(true);
      expect(m.baseline).toBe(QUICK_BOOT_PARAMETERS / 10);
      // Nothing but GetParameters was sent, in every sample.
      expect(m.detail['oursRequestsPerSample']).toEqual(m.detail['oursGetParametersPerSample']);
    });
  });

  describe('import time', () => {
    it("finds no @aws-sdk module under the root entry and some under 'vaultly/aws-ssm'", () => {
      const m = byId(results, 'import-time');
      expect(m.detail['rootAwsSdkModules']).toBe(0);
      expect(m.detail['awsSsmAwsSdkModules']).toBeGreaterThan(0);
      expect(m.met).toBe(true);
    });
  });

  describe('heap per entry', () => {
    it('counts both sides over the same number of entries', () => {
      for (const id of ['heap-model', 'heap-partition']) {
        const m = byId(results, id);
        expect(m.unit).toBe('bytes/entry');
        expect(m.detail['entries']).toBe(20_000);
        expect(m.ours).toBeGreaterThan(0);
      }
    });
  });
});
