import { PartialBatchError } from '../../lib/backends/PartialBatchError.js';
import { SharedFetches } from '../../lib/cache/SharedFetches.js';
import { SecretNotFoundError, TransientError } from '../../lib/errors.js';

/** A call the test settles by hand, recording the signal it was started on. */
function held<T>(): { start: (signal: AbortSignal) => Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((onValue, onError) => {
    resolve = onValue;
    reject = onError;
  });
  return {
    start: (signal) => {
      signals.push(signal);
      return promise;
    },
    resolve,
    reject,
    signals,
  };
}

describe('Class: SharedFetches', () => {
  describe('Method: get', () => {
    it('joins the call in flight for a key: one start for many waiters, and forgets it once settled', async () => {
      const fetches = new SharedFetches();
      const call = held<string>();
      let starts = 0;
      const start = (signal: AbortSignal): Promise<string> => {
        starts++;
        return call.start(signal);
      };
      const waiters = Array.from({ length: 5 }, () => fetches.get('/a', new AbortController().signal, false, start));
      expect(starts).toBe(1);
      expect(fetches.size).toBe(1);
      call.resolve('v');
      await expect(Promise.all(waiters)).resolves.toEqual(['v', 'v', 'v', 'v', 'v']);
      expect(fetches.size).toBe(0);
    });

    it('starts a new call when forced, and later loads join the newer one', async () => {
      const fetches = new SharedFetches();
      const older = held<string>();
      const newer = held<string>();
      const first = fetches.get('/a', new AbortController().signal, false, older.start);
      const forced = fetches.get('/a', new AbortController().signal, true, newer.start);
      const later = fetches.get('/a', new AbortController().signal, false, () => Promise.reject(new Error('must join')));
      newer.resolve('new');
      older.resolve('old');
      await expect(first).resolves.toBe('old');
      await expect(forced).resolves.toBe('new');
      await expect(later).resolves.toBe('new');
      expect(fetches.size).toBe(0);
    });

    it('keeps the call running when one waiter aborts, and aborts it when the last one does', async () => {
      const fetches = new SharedFetches();
      const call = held<string>();
      const one = new AbortController();
      const two = new AbortController();
      const first = fetches.get('/a', one.signal, false, call.start);
      const second = fetches.get('/a', two.signal, false, call.start);
      one.abort(new Error('first gave up'));
      expect(call.signals[0]?.aborted).toBe(false);
      two.abort(new Error('second gave up'));
      expect(call.signals[0]?.aborted).toBe(true);
      call.reject(new Error('aborted'));
      await expect(Promise.allSettled([first, second])).resolves.toHaveLength(2);
    });

    it('does not abort a settled call when its waiters leave afterwards', async () => {
      const fetches = new SharedFetches();
      const call = held<string>();
      const waiter = new AbortController();
      const pending = fetches.get('/a', waiter.signal, false, call.start);
      call.resolve('v');
      await pending;
      waiter.abort();
      expect(call.signals[0]?.aborted).toBe(false);
    });

    it('rejects a waiter whose signal is already aborted without starting a call', async () => {
      const fetches = new SharedFetches();
      const waiter = new AbortController();
      const reason = new Error('gone');
      waiter.abort(reason);
      let started = false;
      await expect(
        fetches.get('/a', waiter.signal, false, () => {
          started = true;
          return Promise.resolve('v');
        }),
      ).rejects.toBe(reason);
      expect(started).toBe(false);
    });
  });

  describe('Method: batch', () => {
    it('joins the keys in flight and asks the backend for the rest only', async () => {
      const fetches = new SharedFetches();
      const single = held<string>();
      const joinedRead = fetches.get('/a', new AbortController().signal, false, single.start);
      const asked: (readonly string[])[] = [];
      const batch = fetches.batch(['/a', '/b', '/c'], new AbortController().signal, false, async (paths) => {
        asked.push(paths);
        return Object.fromEntries(paths.map((path) => [path, `value of ${path}`]));
      });
      single.resolve('value of /a');
      await expect(batch).resolves.toEqual({ '/a': 'value of /a', '/b': 'value of /b', '/c': 'value of /c' });
      await joinedRead;
      expect(asked).toEqual([['/b', '/c']]);
    });

    it('lets a single read join one key of a batch in flight', async () => {
      const fetches = new SharedFetches();
      const batchCall = held<Record<string, string>>();
      const batch = fetches.batch(['/a', '/b'], new AbortController().signal, false, (_paths, signal) => batchCall.start(signal));
      const read = fetches.get('/b', new AbortController().signal, false, () => Promise.reject(new Error('must join')));
      batchCall.resolve({ '/a': '1', '/b': '2' });
      await expect(read).resolves.toBe('2');
      await expect(batch).resolves.toEqual({ '/a': '1', '/b': '2' });
    });

    it('names every missing path, joined or asked, in one SecretNotFoundError', async () => {
      const fetches = new SharedFetches();
      const single = held<string>();
      void fetches.get('/a', new AbortController().signal, false, single.start).catch(() => undefined);
      const batch = fetches.batch(['/a', '/b'], new AbortController().signal, false, async (paths) => {
        throw new SecretNotFoundError(`missing ${paths.join(', ')}`, { paths });
      });
      single.reject(new SecretNotFoundError('missing /a', { path: '/a' }));
      const error = await batch.catch((e: unknown) => e);
      expect(SecretNotFoundError.is(error)).toBe(true);
      expect((error as SecretNotFoundError).paths).toEqual(expect.arrayContaining(['/a', '/b']));
    });

    it('settles as a PartialBatchError with what was read when a joined key failed transiently', async () => {
      const fetches = new SharedFetches();
      const single = held<string>();
      void fetches.get('/a', new AbortController().signal, false, single.start).catch(() => undefined);
      const batch = fetches.batch(['/a', '/b'], new AbortController().signal, false, async () => ({ '/b': '2' }));
      const blip = new TransientError('blip', { path: '/a' });
      single.reject(blip);
      const error = await batch.catch((e: unknown) => e);
      expect(PartialBatchError.is(error)).toBe(true);
      expect((error as PartialBatchError).owed).toEqual([{ paths: ['/a'], error: blip }]);
      expect(PartialBatchError.fetchedValues(error as PartialBatchError)).toEqual({ '/b': '2' });
    });

    it('returns the batch untouched when nothing was joined, and a forced batch joins nothing', async () => {
      const fetches = new SharedFetches();
      const single = held<string>();
      const read = fetches.get('/a', new AbortController().signal, false, single.start);
      const asked: (readonly string[])[] = [];
      const forced = fetches.batch(['/a'], new AbortController().signal, true, async (paths) => {
        asked.push(paths);
        return { '/a': 'new' };
      });
      await expect(forced).resolves.toEqual({ '/a': 'new' });
      expect(asked).toEqual([['/a']]);
      single.resolve('old');
      await expect(read).resolves.toBe('old');
    });
  });
});
