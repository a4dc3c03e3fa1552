import { fork, type ChildProcess } from 'node:child_process';

import type { BootCommand, BootedMessage, RefreshedMessage, WorkerMessage } from './FleetMessages.js';

/** The worker script, next to this file in build/bench/fleet. */
const WORKER = new URL('./fleetWorker.js', import.meta.url);

/** A worker's boot as the parent saw it: the worker's own timing plus when the parent heard of it. */
export interface FleetBoot extends BootedMessage {
  /** `Date.now()` in the parent when the report arrived. */
  readonly receivedAt: number;
}

/** What one round of a fleet reports: one boot per worker and, for refresh rounds, the reads. */
export interface FleetRound {
  readonly boots: readonly FleetBoot[];
  readonly refreshes: readonly RefreshedMessage[];
}

/** A set of worker processes (real `node` processes) that boot together on command. */
export interface Fleet {
  /**
   * Sends each worker its command at once and resolves when every worker has reported its boot
   * (and, for commands with `refresh`, its reads).
   * @param commandFor - the command for worker `i`
   */
  run(commandFor: (i: number) => BootCommand): Promise<FleetRound>;
  /** Disconnects every worker and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Starts `processes` fleet workers (build/bench/fleet/fleetWorker.js) and resolves once each has
 * loaded its modules, so that a round measures boots, not process start-up.
 */
export async function startFleet(processes: number): Promise<Fleet> {
  // jest's NODE_OPTIONS (--experimental-vm-modules) is not what a service runs with.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  // The SDK's Node-version notice, once per worker, would bury the bench's output; the parent shows it once.
  env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const workers: ChildProcess[] = [];
  const exited = new Map<ChildProcess, Promise<void>>();
  const spawnOne = (): Promise<void> => {
    const worker = fork(WORKER, [], { env, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    workers.push(worker);
    exited.set(worker, new Promise((resolve) => worker.once('exit', () => resolve())));
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => fail(new Error(`fleet worker exited with code ${code} before it was ready`));
      const onMessage = (message: WorkerMessage): void => {
        worker.off('exit', onExit).off('error', fail);
        if (message.type === 'ready') resolve();
        else reject(new Error(`fleet worker said ${message.type} first`));
      };
      const fail = (error: Error): void => {
        worker.off('exit', onExit).off('message', onMessage).off('error', fail);
        reject(error);
      };
      worker.once('error', fail).once('exit', onExit).once('message', onMessage);
    });
  };
  const close = async (): Promise<void> => {
    for (const worker of workers) if (worker.connected) worker.disconnect();
    await Promise.all(exited.values());
  };
  try {
    await Promise.all(Array.from({ length: processes }, spawnOne));
  } catch (error) {
    await close();
    throw error;
  }

  return {
    async run(commandFor) {
      const rounds = workers.map((worker, i) => {
        const command = commandFor(i);
        return new Promise<{ boot: FleetBoot; refreshed: RefreshedMessage | undefined }>((resolve, reject) => {
          let boot: FleetBoot | undefined;
          const onExit = (): void => reject(new Error('a fleet worker exited mid-round'));
          const onMessage = (message: WorkerMessage): void => {
            if (message.type === 'booted') {
              boot = { ...message, receivedAt: Date.now() };
              if (command.refresh === undefined || !message.ok) done(undefined);
            } else if (message.type === 'refreshed') {
              done(message);
            }
          };
          const done = (refreshed: RefreshedMessage | undefined): void => {
            worker.off('message', onMessage);
            worker.off('exit', onExit);
            resolve({ boot: boot as FleetBoot, refreshed });
          };
          worker.on('message', onMessage);
          worker.once('exit', onExit);
          worker.send(command);
        });
      });
      const settled = await Promise.all(rounds);
      return {
        boots: settled.map((s) => s.boot),
        refreshes: settled.flatMap((s) => (s.refreshed === undefined ? [] : [s.refreshed])),
      };
    },
    close,
  };
}
