import { Worker } from 'node:worker_threads';

const WORKER = new URL('./ssmServerWorker.js', import.meta.url);

/** What the worker starts its server with. */
export interface ServerThreadData {
  readonly parameters: Record<string, string>;
  readonly latencyMs: number;
}

/** Parent to worker. */
export type ServerRequest =
  | { readonly id: number; readonly op: 'count'; readonly filter?: string }
  | { readonly id: number; readonly op: 'maxOpen' }
  | { readonly id: number; readonly op: 'clear' }
  | { readonly id: number; readonly op: 'close' };

/** Worker to parent: the answer to request `id` (0: started, with its endpoint). */
export interface ServerReply {
  readonly id: number;
  readonly value: number;
  readonly endpoint?: string;
}

/** A loopback SSM server on a worker thread, as a real service runs off the client's thread. */
export interface SsmServerThread {
  readonly endpoint: string;
  /** Requests logged since the last clear, of one operation (`'GetParameters'`) or all. */
  requestCount(filter?: string): Promise<number>;
  /** The most requests the server had open at once since the last clear. */
  maxOpen(): Promise<number>;
  /** Clears the request log and the most-open count. */
  clearRequests(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `startSsmServer` on a worker thread (build/bench/harness/ssmServerWorker.js), so that the
 * server's work (parsing, logging, answering) does not run on the thread whose client is measured:
 * a client's time between requests is then its own, as against a real SSM.
 *
 * @param data - the parameters to serve and every response's latency
 */
export async function startSsmServerThread(data: ServerThreadData): Promise<SsmServerThread> {
  const worker = new Worker(WORKER, { workerData: data });
  const pending = new Map<number, (value: number) => void>();
  let nextId = 1;
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (reply: ServerReply) => {
      worker.off('error', reject);
      resolve(reply.endpoint as string);
    });
  });
  worker.on('message', (reply: ServerReply) => {
    pending.get(reply.id)?.(reply.value);
    pending.delete(reply.id);
  });
  const ask = (request: { op: 'count'; filter?: string } | { op: 'maxOpen' } | { op: 'clear' } | { op: 'close' }): Promise<number> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ ...request, id });
    });
  return {
    endpoint,
    requestCount: (filter) => ask(filter === undefined ? { op: 'count' } : { op: 'count', filter }),
    maxOpen: () => ask({ op: 'maxOpen' }),
    clearRequests: async () => {
      await ask({ op: 'clear' });
    },
    close: async () => {
      await ask({ op: 'close' });
      await worker.terminate();
    },
  };
}
