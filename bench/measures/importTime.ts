import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BenchConfig } from '../BenchConfig.js';
import { summarize } from '../harness/summarize.js';
import { runNode, timeImports } from '../harness/timeImports.js';
import { measure, type Measure } from '../Measure.js';

/** A module hook, run in Node's loader thread, that appends every URL it resolves to a file. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let logFile;
export function initialize(data) { logFile = data.logFile; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(logFile, result.url + '\\n');
  return result;
}
`;

const SDK_MODULE = /\/node_modules\/@aws-sdk\//;

/**
 * Import time of `vaultly` (the root entry) and of `vaultly/aws-ssm`, each in fresh `node`
 * processes (alternating), timed inside the child around the dynamic `import()`; and, in one more
 * child per entry, every module each entry loads, to show that the root entry loads no `@aws-sdk`
 * module. The child's own startup is not in the figure; the import of everything below the entry
 * (inversify for the root, @aws-sdk/client-ssm for aws-ssm) is.
 */
export async function importTime(bench: BenchConfig): Promise<Measure> {
  const root = import.meta.resolve('vaultly');
  const ssm = import.meta.resolve('vaultly/aws-ssm');
  const rootMs: number[] = [];
  const ssmMs: number[] = [];
  for (let i = 0; i < bench.importSamples; i++) {
    if (i % 2 === 0) {
      rootMs.push(await timeImports([], [root]));
      ssmMs.push(await timeImports([], [ssm]));
    } else {
      ssmMs.push(await timeImports([], [ssm]));
      rootMs.push(await timeImports([], [root]));
    }
  }
  const rootModules = await modulesLoadedBy(root);
  const ssmModules = await modulesLoadedBy(ssm);
  const rootSdk = rootModules.filter((url) => SDK_MODULE.test(url));
  const ssmSdk = ssmModules.filter((url) => SDK_MODULE.test(url));
  const rootSummary = summarize(rootMs);
  const ssmSummary = summarize(ssmMs);
  return measure({
    id: 'import-time',
    name: "Import time of 'vaultly' (root entry) vs 'vaultly/aws-ssm'",
    unit: 'ms',
    ours: rootSummary.median,
    baseline: ssmSummary.median,
    target: 'root entry loads 0 @aws-sdk modules',
    met: rootSdk.length === 0 && ssmSdk.length > 0,
    baselineName: "import of 'vaultly/aws-ssm' (which loads @aws-sdk/client-ssm)",
    detail: {
      method: 'fresh node process per sample, performance.now() around await import() inside the child; module lists (ES via a resolve hook, CommonJS via require.cache) from separate children',
      ours: rootSummary,
      baseline: ssmSummary,
      rootModules: rootModules.length,
      rootAwsSdkModules: rootSdk.length,
      rootModulesByPackage: countByPackage(rootModules),
      awsSsmModules: ssmModules.length,
      awsSsmAwsSdkModules: ssmSdk.length,
      awsSsmModulesByPackage: countByPackage(ssmModules),
    },
  });
}

/**
 * Every module a fresh process loads while it imports `url`: ES modules as the resolve hook saw
 * them, CommonJS ones (the AWS SDK ships CommonJS, which an ES resolve hook never sees) from
 * `require.cache`. De-duplicated.
 */
async function modulesLoadedBy(url: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-bench-'));
  try {
    const logFile = join(dir, 'resolved.log');
    const script = `
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { logFile: ${JSON.stringify(logFile)} } });
await import(${JSON.stringify(url)});
const cjs = Object.keys(createRequire(import.meta.url).cache).map((file) => pathToFileURL(file).href);
process.stdout.write(JSON.stringify(cjs));
`;
    const cjs = JSON.parse(await runNode(['--input-type=module', '-e', script])) as string[];
    const esm = (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.length > 0);
    return [...new Set([...esm, ...cjs])];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many of `urls` each package (or `node:` builtins, or vaultly's own dist) accounts for. */
function countByPackage(urls: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    const name = match?.[1] ?? (url.startsWith('node:') ? 'node:*' : 'vaultly');
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}
