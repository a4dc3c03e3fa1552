import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { bindSecrets, dispose, RetryingBackend } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';

import { generateModel, makePaths, makeValue } from '../models/generateModel.js';
import { loopbackClientConfig, sdkDefaultRetryClient } from '../measures/ssmClient.js';
import type { BootCommand, WorkerMessage } from './FleetMessages.js';

/**
 * One process of a fleet (see startFleet.ts): loads its modules, says `ready`, then for each
 * `boot` command boots its own parameters from the parent's loopback SSM server and reports how
 * long that took. Library defaults throughout, as a service would have them: vaultly is
 * `bindSecrets` on a `validate: 'fetch'` model over `new RetryingBackend(new AWSSSMBackend())`;
 * Powertools is `getParametersByName` over a client with the SDK's default retries.
 */
function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

/** The error's name and code: enough to tell throttling from a deadline, and never a value. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== error.name ? `${error.name} (${code})` : error.name;
}

async function bootVaultly(command: BootCommand, paths: readonly string[]): Promise<void> {
  const ssm = new AWSSSMBackend({ clientConfig: loopbackClientConfig(command.endpoint) });
  const backend = new RetryingBackend(ssm);
  const Model = generateModel('FleetConfig', paths, { validate: 'fetch' }, command.refresh?.ttl);
  const last = `k${paths.length - 1}`;
  const start = performance.now();
  let config: Record<string, unknown>;
  try {
    config = (await bindSecrets(new Model(), { backend })) as Record<string, unknown>;
  } catch (error) {
    ssm.destroy();
    await send({ type: 'booted', ok: false, ms: performance.now() - start, error: describeError(error) });
    return;
  }
  const ms = performance.now() - start;
  const ok = config['k0'] === makeValue(0, command.valueLength) && config[last] === makeValue(paths.length - 1, command.valueLength);
  await send({ type: 'booted', ok, ms, ...(ok ? {} : { error: 'wrong values' }) });
  if (command.refresh !== undefined) await readFor(config, paths.length, command.refresh);
  dispose(config);
  ssm.destroy();
}

/** Reads every field synchronously every `readEveryMs` for `durationMs`, counting what throws. */
async function readFor(config: Record<string, unknown>, fields: number, refresh: NonNullable<BootCommand['refresh']>): Promise<void> {
  let reads = 0;
  let errors = 0;
  const errorNames: Record<string, number> = {};
  const end = performance.now() + refresh.durationMs;
  while (performance.now() < end) {
    for (let i = 0; i < fields; i++) {
      reads++;
      try {
        void config[`k${i}`];
      } catch (error) {
        errors++;
        const name = describeError(error);
        errorNames[name] = (errorNames[name] ?? 0) + 1;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, refresh.readEveryMs).unref());
  }
  await send({ type: 'refreshed', reads, errors, errorNames });
}

async function bootPowertools(command: BootCommand, paths: readonly string[]): Promise<void> {
  const client = sdkDefaultRetryClient(command.endpoint);
  const provider = new SSMProvider({ awsSdkV3Client: client });
  const start = performance.now();
  try {
    const result = await provider.getParametersByName<string>(Object.fromEntries(paths.map((path) => [path, {}])));
    const ms = performance.now() - start;
    const ok =
      result[paths[0] as string] === makeValue(0, command.valueLength) &&
      result[paths[paths.length - 1] as string] === makeValue(paths.length - 1, command.valueLength);
    await send({ type: 'booted', ok, ms, ...(ok ? {} : { error: 'wrong values' }) });
  } catch (error) {
    await send({ type: 'booted', ok: false, ms: performance.now() - start, error: describeError(error) });
  } finally {
    client.destroy();
  }
}

process.on('message', (message: BootCommand) => {
  const paths = makePaths(message.prefix, message.parameters);
  const run = message.library === 'vaultly' ? bootVaultly(message, paths) : bootPowertools(message, paths);
  run.catch(async (error: unknown) => {
    await send({ type: 'booted', ok: false, ms: 0, error: describeError(error) });
  });
});
// The IPC channel is the parent's handle on this process: when it goes, so does the worker.
process.on('disconnect', () => process.exit(0));
await send({ type: 'ready' });
