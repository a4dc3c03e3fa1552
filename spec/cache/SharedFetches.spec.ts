import { PartialBatchError, SecretNotFoundError, TransientError } from 'vaultly';
import { SharedFetches } from '../../lib/cache/SharedFetches.js';

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

/** Lets promise callbacks run. */
async function flushPromises(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
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

  describe('Method: get (joining)', () => {
    it('never joins a call whose last waiter left, and forgets it at once', async () => {
      const fetches = new SharedFetches();
      const first = held<string>();
      const leaving = new AbortController();
      void fetches.get('/a', leaving.signal, false, first.start).catch(() => undefined);
      leaving.abort();
      expect(first.signals[0]?.aborted).toBe(true);
      // The aborted call has not settled yet (its backend rejects later), but is gone from the table.
      expect(fetches.size).toBe(0);
      const second = held<string>();
      const read = fetches.get('/a', new AbortController().signal, false, second.start);
      second.resolve('v');
      await expect(read).resolves.toBe('v');
    });

    it("fetches a key itself when the batch it joined failed on others' paths, naming none of them", async () => {
      const fetches = new SharedFetches();
      const batchCall = held<Record<string, string>>();
      void fetches.batch(['/a', '/other'], new AbortController().signal, false, (_paths, signal) => batchCall.start(signal)).catch(() => undefined);
      const alone = held<string>();
      const read = fetches.get('/a', new AbortController().signal, false, alone.start);
      batchCall.reject(new SecretNotFoundError('missing /other', { paths: ['/other'] }));
      await flushPromises();
      expect(alone.signals).toHaveLength(1);
      alone.resolve('1');
      await expect(read).resolves.toBe('1');
    });

    it('gets a SecretNotFoundError naming only its key, without cause, when the batch it joined names it missing', async () => {
      const fetches = new SharedFetches();
      const batchCall = held<Record<string, string>>();
      void fetches.batch(['/a', '/other'], new AbortController().signal, false, (_paths, signal) => batchCall.start(signal)).catch(() => undefined);
      const read = fetches.get('/a', new AbortController().signal, false, () => Promise.reject(new Error('must join')));
      batchCall.reject(new SecretNotFoundError('missing /a, /other', { paths: ['/a', '/other'] }));
      const error = await read.catch((e: unknown) => e);
      expect((error as SecretNotFoundError).paths).toEqual(['/a']);
      expect((error as Error).cause).toBeUndefined();
    });
  });

  describe('Method: generation', () => {
    it('starts at 0, counts explicit refreshes, and lends a refreshed key only from the root that stored its newest generation', () => {
      const fetches = new SharedFetches();
      const kind = {};
      const peer = {};
      const refresher = {};
      fetches.offerPeer(kind, peer, () => true);
      expect(fetches.generation('/a')).toBe(0);
      expect(fetches.lenderOf('/a', kind)).toBe(peer);
      fetches.beginRefresh('/a');
      expect(fetches.generation('/a')).toBe(1);
      expect(fetches.lenderOf('/a', kind)).toBeUndefined();
      fetches.stored('/a', 0, peer); // from a fetch that started before the refresh
      expect(fetches.lenderOf('/a', kind)).toBeUndefined();
      fetches.stored('/a', 1, refresher);
      expect(fetches.lenderOf('/a', kind)).toBe(refresher);
      expect(fetches.lenderOf('/b', kind)).toBe(peer);
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

    it('copies only the asked paths: a joined non-string answer is not spread into the record', async () => {
      const fetches = new SharedFetches();
      const single = held<string>();
      void fetches.get('/a', new AbortController().signal, false, single.start).catch(() => undefined);
      const batch = fetches.batch(['/a', '/b'], new AbortController().signal, false, async () => ({ '/b': 'real', '/c': 'extra' }));
      // A misbehaving backend answers a get with a record.
      single.resolve({ '/b': 'forged' } as unknown as string);
      const record = await batch;
      expect(record['/b']).toBe('real');
      expect(Object.hasOwn(record, '/c')).toBe(false);
      expect(record['/a']).toEqual({ '/b': 'forged' }); // left for the caller's string check to refuse
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
