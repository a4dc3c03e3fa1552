import { CasMismatch } from './VaultStore.js';
import type { VaultStore } from './VaultStore.js';
import { vaultEnvelope, vaultErrors } from './vaultResponses.js';
import type { KvResponse } from './vaultResponses.js';

/** One parsed HTTP request to a KV v2 mount. */
export interface KvRequest {
  method: string;
  namespace: string;
  mount: string;
  /** What follows the mount: `data/db`, `metadata/app/`, `destroy/db`... (URL-decoded). */
  rest: string;
  query: URLSearchParams;
  body: unknown;
}

const NOT_FOUND = (): KvResponse => vaultErrors(404);
const NO_CONTENT: KvResponse = { status: 204 };
const KV_V2_OPERATIONS: ReadonlySet<string> = new Set(['data', 'metadata', 'delete', 'undelete', 'destroy']);

/**
 * Answers one KV v2 request the way Vault does: read (`GET data/:path?version=`), write
 * (`POST`/`PUT data/:path` with `{data, options: {cas}}`), delete latest (`DELETE data/:path`),
 * delete, undelete and destroy versions (`POST delete|undelete|destroy/:path` with `{versions}`),
 * metadata read and delete (`GET`/`DELETE metadata/:path`) and listing (`GET metadata/:path?list=true`).
 *
 * @example
 * ```ts
 * handleKvRequest(store, { method: 'GET', namespace: '', mount: 'secret', rest: 'data/db', query, body: undefined });
 * ```
 */
export function handleKvRequest(store: VaultStore, request: KvRequest): KvResponse {
  const slash = request.rest.indexOf('/');
  const operation = slash === -1 ? request.rest : request.rest.slice(0, slash);
  const path = slash === -1 ? '' : request.rest.slice(slash + 1);
  const location = { namespace: request.namespace, mount: request.mount, path };
  const { method } = request;
  const writeLike = method === 'POST' || method === 'PUT';

  if (operation === 'metadata' && method === 'GET' && isTrue(request.query.get('list'))) {
    if (path !== '' && !path.endsWith('/')) return listResponse(store.list(location.namespace, location.mount, `${path}/`));
    return listResponse(store.list(location.namespace, location.mount, path));
  }
  if (!KV_V2_OPERATIONS.has(operation)) return invalidV1Path(request);
  // Vault's data and metadata routes never match a path that is empty or ends with '/'.
  if (path === '' || path.endsWith('/')) return unsupportedPath(request);

  switch (operation) {
    case 'data': {
      if (method === 'GET') return readData(store, location, request.query.get('version'));
      if (writeLike) return writeData(store, location, request.body);
      if (method === 'PATCH') return patchData(store, location, request.body);
      if (method === 'DELETE') {
        store.delete(location);
        return NO_CONTENT;
      }
      break;
    }
    case 'delete':
    case 'undelete':
    case 'destroy': {
      if (!writeLike) break;
      const versions = (request.body as { versions?: unknown } | undefined)?.versions;
      if (!Array.isArray(versions) || versions.length === 0 || !versions.every((v) => Number.isSafeInteger(v))) {
        return vaultErrors(400, 'no version number provided');
      }
      const numbers = versions as number[];
      if (operation === 'delete') store.delete(location, numbers);
      else if (operation === 'undelete') store.undelete(location, numbers);
      else store.destroy(location, numbers);
      return NO_CONTENT;
    }
    case 'metadata': {
      if (method === 'GET') {
        const metadata = store.metadata(location);
        return metadata === undefined ? NOT_FOUND() : { status: 200, body: vaultEnvelope(metadata) };
      }
      if (method === 'DELETE') {
        store.deleteMetadata(location);
        return NO_CONTENT;
      }
      break;
    }
    default:
      return invalidV1Path(request);
  }
  return vaultErrors(405, 'unsupported operation');
}

function readData(store: VaultStore, location: { namespace: string; mount: string; path: string }, raw: string | null): KvResponse {
  let version: number | undefined;
  if (raw !== null) {
    version = Number(raw);
    if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(version)) {
      return vaultErrors(400, `error converting input ${raw} for field "version"`);
    }
  }
  const read = store.read(location, version);
  if (read.kind === 'missing') return NOT_FOUND();
  // A deleted or destroyed version is a 404 that still carries the version's metadata.
  if (read.kind === 'gone') return { status: 404, body: vaultEnvelope({ data: null, metadata: read.metadata }) };
  return { status: 200, body: vaultEnvelope({ data: read.data, metadata: read.metadata }) };
}

function writeData(store: VaultStore, location: { namespace: string; mount: string; path: string }, body: unknown): KvResponse {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return vaultErrors(400, 'no data provided');
  const cas = (body as { options?: { cas?: unknown } }).options?.cas;
  if (cas !== undefined && !Number.isSafeInteger(cas)) return vaultErrors(400, 'error parsing check-and-set parameter');
  try {
    const metadata = store.write(location, data as Record<string, unknown>, cas as number | undefined);
    return { status: 200, body: vaultEnvelope(metadata) };
  } catch (error) {
    if (error instanceof CasMismatch) return vaultErrors(400, error.message);
    throw error;
  }
}

/** PATCH merges `data` into the current version as a JSON merge patch (RFC 7386), as `vault kv patch` does. */
function patchData(store: VaultStore, location: { namespace: string; mount: string; path: string }, body: unknown): KvResponse {
  const patch = (body as { data?: unknown } | undefined)?.data;
  if (!isObject(patch)) return vaultErrors(400, 'no data provided');
  const cas = (body as { options?: { cas?: unknown } }).options?.cas;
  if (cas !== undefined && !Number.isSafeInteger(cas)) return vaultErrors(400, 'error parsing check-and-set parameter');
  const current = store.read(location);
  // Vault answers a patch of a missing, deleted or destroyed secret with a bare 404.
  if (current.kind !== 'found') return NOT_FOUND();
  return writeData(store, location, { data: mergePatch(current.data, patch), ...(cas === undefined ? {} : { options: { cas } }) });
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (isObject(value)) merged[key] = mergePatch(isObject(merged[key]) ? merged[key] : {}, value);
    else merged[key] = value;
  }
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A KV v1-style path on a KV v2 mount (`secret/db` rather than `secret/data/db`): Vault answers
 * 404 with a warning naming the `vault kv` subcommand to use.
 */
function invalidV1Path(request: KvRequest): KvResponse {
  const { method } = request;
  const subCommand =
    method === 'POST' || method === 'PUT' ? 'put' : method === 'DELETE' ? 'delete' : isTrue(request.query.get('list')) || method === 'LIST' ? 'list' : 'get';
  const warning = `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${subCommand}' for this operation.`;
  return { status: 404, body: vaultEnvelope(null, { warnings: [warning] }) };
}

function listResponse(keys: string[]): KvResponse {
  return keys.length === 0 ? NOT_FOUND() : { status: 200, body: vaultEnvelope({ keys }) };
}

function unsupportedPath(request: KvRequest): KvResponse {
  return vaultErrors(404, `no handler for route "${request.mount}/${request.rest}". route entry not found.`);
}

/** Go's strconv.ParseBool, which Vault uses for `list`. */
function isTrue(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}
