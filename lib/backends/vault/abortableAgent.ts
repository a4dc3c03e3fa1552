import type { Agent, ClientRequest } from 'node:http';
import { abortReason } from '../../internal/abort.js';

interface AgentInternals {
  addRequest(request: ClientRequest, options: unknown): void;
}

/**
 * A stand-in for `base` that lets `signal` destroy the one HTTP request made through it.
 *
 * node-vault does not forward an `AbortSignal` to axios, but it does forward a per-call agent.
 * Node hands every request to its agent's `addRequest`; the stand-in inherits everything else
 * from `base` and delegates to it, so sockets still come from, and go back to, `base`'s pool.
 *
 * @param base - the agent axios would have used (for example `http.globalAgent`)
 * @param signal - destroys the request when it aborts
 * @returns the stand-in, and `dispose()` to call once the request has settled
 *
 * @example
 * ```ts
 * const { agent, dispose } = abortableAgent(http.globalAgent, signal);
 * try { await client.read(path, { httpAgent: agent }); } finally { dispose(); }
 * ```
 */
export function abortableAgent<A extends Agent>(base: A, signal: AbortSignal): { agent: A; dispose: () => void } {
  let request: ClientRequest | undefined;
  const cut = (): void => {
    request?.destroy(abortReason(signal));
  };
  const agent = Object.create(base, {
    addRequest: {
      value(req: ClientRequest, options: unknown): void {
        request = req;
        (base as unknown as AgentInternals).addRequest(req, options);
        if (signal.aborted) cut();
      },
    },
  }) as A;
  signal.addEventListener('abort', cut, { once: true });
  return { agent, dispose: () => signal.removeEventListener('abort', cut) };
}
