/** The libraries a fleet worker can boot with. */
export type FleetLibrary = 'vaultly' | 'powertools';

/** Parent to worker: boot `parameters` names under `prefix` from the SSM server at `endpoint`. */
export interface BootCommand {
  readonly type: 'boot';
  readonly library: FleetLibrary;
  readonly endpoint: string;
  readonly prefix: string;
  readonly parameters: number;
  readonly valueLength: number;
  /**
   * vaultly only: every field's ttl (s); after boot the worker keeps reading every field
   * synchronously every `readEveryMs` for `durationMs`, so expired fields refresh in the background.
   */
  readonly refresh?: { readonly ttl: number; readonly durationMs: number; readonly readEveryMs: number };
}

/** Worker to parent, once its boot settled. `error` is the error's name and code, never a message. */
export interface BootedMessage {
  readonly type: 'booted';
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** Worker to parent, after the refresh phase: how many synchronous reads there were and how many threw. */
export interface RefreshedMessage {
  readonly type: 'refreshed';
  readonly reads: number;
  readonly errors: number;
  /** Thrown error names with their counts. */
  readonly errorNames: Readonly<Record<string, number>>;
}

/** Worker to parent, once it has loaded its modules. */
export interface ReadyMessage {
  readonly type: 'ready';
}

export type WorkerMessage = ReadyMessage | BootedMessage | RefreshedMessage;
