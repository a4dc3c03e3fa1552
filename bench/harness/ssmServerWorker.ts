import { subscribe } from 'node:diagnostics_channel';
import { parentPort, workerData } from 'node:worker_threads';

import { startSsmServer } from 'vaultly/testing';

import type { ServerReply, ServerRequest, ServerThreadData } from './ssmServerThread.js';

/**
 * The worker side of {@link startSsmServerThread}: a loopback SSM server on a thread of its own,
 * answering the parent's requests for its request count, the most requests it had open at once,
 * a cleared log and close.
 */
const port = parentPort;
if (port === null) throw new Error('ssmServerWorker: must run as a worker thread');
const { parameters, latencyMs } = workerData as ServerThreadData;
const server = await startSsmServer({ parameters, latencyMs });
// The most requests open at once since the last clear, from Node's own HTTP server channels.
let open = 0;
let maxOpen = 0;
subscribe('http.server.request.start', () => {
  open++;
  maxOpen = Math.max(maxOpen, open);
});
subscribe('http.server.response.finish', () => {
  open--;
});
port.on('message', (request: ServerRequest) => {
  void (async (): Promise<ServerReply> => {
    switch (request.op) {
      case 'count':
        return { id: request.id, value: request.filter === undefined ? server.requestCount() : server.requestCount(request.filter) };
      case 'maxOpen':
        return { id: request.id, value: maxOpen };
      case 'clear':
        server.clearRequests();
        maxOpen = open;
        return { id: request.id, value: 0 };
      case 'close':
        await server.close();
        return { id: request.id, value: 0 };
    }
  })().then((reply) => port.postMessage(reply));
});
port.postMessage({ id: 0, value: 0, endpoint: server.endpoint } satisfies ServerReply);
