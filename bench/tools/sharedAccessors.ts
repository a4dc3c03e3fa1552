/**
 * Experiment, not part of `npm run bench`: what a warm read would cost if model accessors were
 * shared per (class, field) instead of made per instance. Plain JavaScript imitating
 * lib/model/bindModel.ts's `apply` both ways; vaultly itself is not used. Run:
 *
 *   node --expose-gc build/bench/tools/sharedAccessors.js
 *
 * Per-instance closures: the first instance of a class keeps fast properties and its getter is
 * inlined; every later one is normalized to dictionary mode (a different accessor pair cannot
 * reuse the first instance's map transition), and its getter is called. Shared accessors read the
 * instance's bindings through `this`, cost a load or two more, and keep every instance fast.
 */
import { sampleLoops } from '../harness/compareLoops.js';
import { gcFunction, liveHeap } from '../harness/collectGarbage.js';
import { makeLoop } from '../harness/makeLoop.js';

const kBindings = Symbol('bindings');
const FIELDS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'] as const;

class Entry {
  state = 1;
  constructor(readonly value: string) {}
}
class Binding {
  readonly entry: Entry;
  constructor(readonly value: string) {
    this.entry = new Entry(value);
  }
}
const slow = (binding: Binding): never => {
  throw new Error(`slow path for ${binding.value.length}`);
};
const readOnly = (): never => {
  throw new Error('read-only');
};

class PerInstance {}
function bindPerInstance(instance: object): object {
  for (const field of FIELDS) {
    const binding = new Binding(`${'x'.repeat(30)}${field}`);
    Object.defineProperty(instance, field, {
      get: () => (binding.entry.state === 1 ? binding.value : slow(binding)),
      set: readOnly,
      enumerable: false,
      configurable: true,
    });
  }
  return instance;
}

class Shared {}
const sharedGetters = FIELDS.map(
  (_, i) =>
    function (this: { [kBindings]: Binding[] }): string {
      const binding = this[kBindings][i] as Binding;
      return binding.entry.state === 1 ? binding.value : slow(binding);
    },
);
function bindShared(instance: object): object {
  Object.defineProperty(instance, kBindings, { value: FIELDS.map((field) => new Binding(`${'x'.repeat(30)}${field}`)) });
  FIELDS.forEach((field, i) => {
    const get = sharedGetters[i] as (typeof sharedGetters)[number];
    Object.defineProperty(instance, field, { get, set: readOnly, enumerable: false, configurable: true });
  });
  return instance;
}

const instances = [bindPerInstance(new PerInstance()), bindPerInstance(new PerInstance()), bindShared(new Shared()), bindShared(new Shared())];
const labels = ['per-instance closures, first instance', 'per-instance closures, second instance', 'shared accessors, first instance', 'shared accessors, second instance'];
const results = await sampleLoops(
  instances.map((config) => makeLoop({ config }, 'config.k0.length')),
  { samples: 15, sampleMs: 10, warmupMs: 200 },
  () => undefined,
);
results.forEach((r, i) => process.stdout.write(`${labels[i]}: ${r.median.toFixed(2)} ns/read (p25 ${r.p25.toFixed(2)}, p75 ${r.p75.toFixed(2)})\n`));

const gc = gcFunction();
const perField = (bind: (o: object) => object, Ctor: new () => object): number => {
  const keep: object[] = [];
  const before = liveHeap(gc);
  for (let i = 0; i < 10_000; i++) keep.push(bind(new Ctor()));
  const bytes = liveHeap(gc) - before;
  return keep.length === 0 ? 0 : bytes / 10_000 / FIELDS.length;
};
process.stdout.write(
  `heap per field (binding, entry and value included): per-instance ${perField(bindPerInstance, PerInstance).toFixed(0)} B, shared ${perField(bindShared, Shared).toFixed(0)} B\n`,
);
