/**
 * Diagnostic, not part of `npm run bench`: which objects one cached entry costs, by V8 type and
 * constructor, from two heap snapshots (before and after building `n` entries; objects present in
 * the first are left out). Run after `npm run bench` (or the two builds):
 *
 *   node --expose-gc build/bench/tools/heapBreakdown.js model|map [n = 10000]
 *
 * The set of ids of the first snapshot is itself on the heap while the second is taken; it shows
 * as a few large `array:` rows (about 1,100 bytes/entry) to be ignored.
 */
import { getHeapSnapshot } from 'node:v8';

import { bindSecrets, dispose, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import { gcFunction } from '../harness/collectGarbage.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function takeSnapshot(): Snapshot {
  const stream = getHeapSnapshot();
  const chunks: Buffer[] = [];
  for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
}

function* nodesOf(snap: Snapshot): Generator<{ id: number; type: string; name: string; size: number }> {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iId, iSize] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number, number];
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType] as number] as string;
    yield { id: snap.nodes[i + iId] as number, type, name: snap.strings[snap.nodes[i + iName] as number] as string, size: snap.nodes[i + iSize] as number };
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'model';
  const n = Number(process.argv[3] ?? 10_000);
  const gc = gcFunction();
  const paths = makePaths('/bench/heap', n);
  const Model = generateModel('HeapConfig', paths);
  const backend = new MockBackend();
  const fill = (): void => paths.forEach((path, i) => backend.set(path, makeValue(i, 32)));
  const empty = (): void => {
    for (const path of paths) backend.delete(path);
    backend.resetCalls();
  };
  fill();
  const warmUp = await bindSecrets(new Model(), { backend });
  await prefetch(warmUp);
  dispose(warmUp);
  empty();

  gc();
  gc();
  const before = new Set<number>();
  for (const node of nodesOf(takeSnapshot())) before.add(node.id);
  let keep: unknown;
  if (mode === 'model') {
    fill();
    keep = await bindSecrets(new Model(), { backend });
    await prefetch(keep as object);
    empty();
  } else {
    keep = new Map(paths.map((path, i) => [path, makeValue(i, 32)]));
  }
  gc();
  gc();
  const rows = new Map<string, { count: number; bytes: number }>();
  for (const node of nodesOf(takeSnapshot())) {
    if (before.has(node.id)) continue;
    const key = `${node.type}:${node.type.includes('string') ? '' : node.name.slice(0, 60)}`;
    const row = rows.get(key) ?? { count: 0, bytes: 0 };
    row.count += 1;
    row.bytes += node.size;
    rows.set(key, row);
  }
  process.stdout.write(`${mode}, ${n} entries: new objects by type (bytes per entry, count)\n`);
  for (const [key, { count, bytes }] of [...rows].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 24)) {
    process.stdout.write(`${(bytes / n).toFixed(1).padStart(8)}  ${String(count).padStart(8)}  ${key}\n`);
  }
  if (keep === null) process.stdout.write('(unreachable: keeps the structures alive until here)\n');
}

await main();
