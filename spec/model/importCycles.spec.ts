import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const LIB = normalize(join(process.cwd(), 'lib'));
/** Every relative `import ... from` / `export ... from`, type-only ones included. */
const SPECIFIER = /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g;

/** The relative-import graph of every `.ts` file under `lib/`, keyed by path from `lib/`. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(LIB, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  for (const file of files) {
    const source = readFileSync(join(LIB, file), 'utf8');
    const targets = [...source.matchAll(SPECIFIER)].map((match) =>
      relative(LIB, normalize(join(LIB, dirname(file), match[1] as string))).replace(/\.js$/, '.ts'),
    );
    graph.set(normalize(file), targets);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('lib/ import graph', () => {
  it('reads the imports it should check (the model files import each other)', () => {
    const graph = importGraph();
    expect(graph.get(normalize('model/SlotStore.ts'))).toContain(normalize('model/Slot.ts'));
    expect(graph.get(normalize('model/stateOf.ts'))).toContain(normalize('model/InstanceState.ts'));
  });

  it('finds a cycle when there is one', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts']]);
  });

  it('has no import cycles, type imports included', () => {
    expect(cycles(importGraph())).toEqual([]);
  });
});
