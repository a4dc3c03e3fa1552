import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

import {
  activeLeakDetector,
  canary,
  canaryLogger,
  CANARY_MARKER,
  expectNoCanary,
  findCanaries,
  LeakDetector,
  LeakError,
  renderForLeakCheck,
  setActiveLeakDetector,
} from '../helpers/canary.js';
import { thrown } from '../helpers/outcomes.js';

describe('leak canaries', () => {
  describe('canary', () => {
    it('carries the marker and the label, and differs each call', () => {
      const a = canary('db');
      expect(a.startsWith(`CANARY${CANARY_MARKER}db-`)).toBe(true);
      expect(canary('db')).not.toBe(a);
    });
  });

  describe('findCanaries', () => {
    it('reports a canary inside text, with its source and some context', () => {
      const value = canary('pw');
      const hits = findCanaries(`password is ${value}!`, 'console.log');
      expect(hits).toHaveLength(1);
      expect(hits[0]?.source).toBe('console.log');
      expect(hits[0]?.excerpt).toContain('password is CANARY');
    });

    it('finds every occurrence, also JSON-escaped and truncated ones', () => {
      const value = canary('pw');
      const text = `${JSON.stringify({ v: value })} ${value.slice(0, 20)}`;
      expect(findCanaries(text)).toHaveLength(2);
    });

    it('ignores CANARY strings without the marker, as other specs use', () => {
      expect(findCanaries(`CANARY-${randomUUID()} and CANARY-reads-91d2`)).toEqual([]);
    });
  });

  describe('renderForLeakCheck', () => {
    it('reaches an error cause chain, AggregateError members and own fields', () => {
      const deep = new AggregateError([new Error(`inner ${canary('agg')}`)], 'outer');
      const error = Object.assign(new Error('top', { cause: deep }), { body: { v: canary('field') } });
      const rendered = renderForLeakCheck(error);
      expect(findCanaries(rendered).length).toBeGreaterThanOrEqual(2);
      expect(() => expectNoCanary(error, 'error')).toThrow(LeakError);
    });

    it('shows what util.inspect and JSON.stringify show, and survives cycles and throwing getters', () => {
      const cyclic: Record<string, unknown> = { value: canary('cycle') };
      cyclic['self'] = cyclic;
      Object.defineProperty(cyclic, 'boom', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      expect(() => expectNoCanary(cyclic)).toThrow(LeakError);
      expect(() => expectNoCanary({ masked: '***', nested: [1, 'two'] })).not.toThrow();
    });
  });

  describe(LeakDetector.name, () => {
    it('fails on a canary printed with console.log, console.error or console.dir', () => {
      for (const method of ['log', 'error', 'dir'] as const) {
        const detector = quiet();
        detector.install();
        try {
          console[method]({ secret: canary(method) });
        } finally {
          detector.restore();
        }
        const error = thrown(() => detector.check());
        expect(error).toBeInstanceOf(LeakError);
        const hits = (error as LeakError).hits;
        expect(hits.length).toBeGreaterThanOrEqual(1);
        // jest's buffered console (workers) is read back; its verbose one writes to the streams.
        for (const hit of hits) expect([`console.${method}`, 'stdout', 'stderr']).toContain(hit.source);
        expect(hits.some((hit) => hit.canary.includes(`-${method}-`))).toBe(true);
      }
    });

    it('fails on a canary written straight to stdout or stderr, as a string or a Buffer', () => {
      const detector = quiet();
      detector.install();
      try {
        process.stdout.write(`${canary('out')}\n`);
        process.stderr.write(Buffer.from(`${canary('err')}\n`));
      } finally {
        detector.restore();
      }
      expect(detector.hits.map((h) => h.source)).toEqual(['stdout', 'stderr']);
      expect(() => detector.check()).toThrow(LeakError);
      expect(() => detector.check()).not.toThrow(); // check() starts over
    });

    it('passes clean output, leaves the console itself alone and restores the streams', () => {
      const log = console.log;
      const write = process.stdout.write;
      const detector = quiet();
      detector.install();
      expect(console.log).toBe(log); // so that jest still shows where a message came from
      expect(process.stdout.write).not.toBe(write);
      console.log(inspect({ password: '***' }));
      detector.restore();
      expect(process.stdout.write).toBe(write);
      expect(() => detector.check()).not.toThrow();
    });

    it('is installed around every test by spec/setup/leakCanaries.ts', () => {
      expect(activeLeakDetector()).toBeInstanceOf(LeakDetector);
    });
  });

  describe('canaryLogger', () => {
    it('records every level and reports a canary in fields or message to the running test', () => {
      const detector = quiet();
      const { logger, records } = canaryLogger();
      const outer = activeLeakDetector();
      // Route this test's captures to a private detector, then put the suite-wide one back.
      setActiveLeakDetector(detector);
      try {
        logger.warn({ path: '/p' }, 'clean');
        logger.error({ value: canary('field') }, 'leaky');
        logger.debug({}, `message ${canary('msg')}`);
      } finally {
        setActiveLeakDetector(outer);
      }
      expect(records.map((r) => r.level)).toEqual(['warn', 'error', 'debug']);
      expect(detector.hits.map((h) => h.source)).toEqual(['logger.error', 'logger.debug']);
    });
  });
});

/** A detector of its own that swallows the output, so that the suite-wide one never sees it. */
function quiet(): LeakDetector {
  return new LeakDetector({ passThrough: false });
}
