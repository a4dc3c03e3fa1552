// Translates tests/unit/backends/test_mock.py of the original Python vaultly (cop1cat/vaultly v1.0.0).
import 'reflect-metadata';
import { SecretNotFoundError } from 'vaultly';
import { MockBackend } from 'vaultly/testing';
import { rejection } from '../helpers/outcomes.js';

describe('MockBackend (test_mock.py)', () => {
  it('returns the value of a known path', async () => {
    await expect(new MockBackend({ '/x': 'v' }).get('/x')).resolves.toBe('v');
  });

  it('records every call as [path, version]', async () => {
    const backend = new MockBackend({ '/x': 'v' });
    await backend.get('/x');
    await backend.get('/x');
    expect(backend.calls).toEqual([
      ['/x', undefined],
      ['/x', undefined],
    ]);
  });

  it('rejects a missing path with SecretNotFoundError naming it', async () => {
    const error = await rejection(new MockBackend({}).get('/nope'));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain('/nope');
    expect((error as SecretNotFoundError).path).toBe('/nope');
  });

  it('still records a call that missed', async () => {
    const backend = new MockBackend({});
    await expect(backend.get('/nope')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(backend.calls).toEqual([['/nope', undefined]]);
  });

  it('serves getBatch through get by default', async () => {
    const backend = new MockBackend({ '/a': '1', '/b': '2' });
    await expect(backend.getBatch(['/a', '/b'])).resolves.toEqual({ '/a': '1', '/b': '2' });
    expect(backend.calls).toEqual([
      ['/a', undefined],
      ['/b', undefined],
    ]);
  });

  it('names every missing path when getBatch misses several', async () => {
    // Not in the original: our API documents one SecretNotFoundError naming every missing path.
    const backend = new MockBackend({ '/a': '1' });
    const error = await rejection(backend.getBatch(['/a', '/b', '/c']));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).paths).toEqual(['/b', '/c']);
    expect((error as Error).message).toContain('/b');
    expect((error as Error).message).toContain('/c');
  });

  it('returns the value of each version', async () => {
    const backend = new MockBackend({}, { versions: { '/x': { 2: 'v2', 3: 'v3' } } });
    await expect(backend.get('/x', { version: 2 })).resolves.toBe('v2');
    await expect(backend.get('/x', { version: 3 })).resolves.toBe('v3');
    expect(backend.calls).toEqual([
      ['/x', 2],
      ['/x', 3],
    ]);
  });

  it('rejects a missing version with SecretNotFoundError naming the path and version', async () => {
    // Differs: the original's message contains "@5"; ours says "(version 5)". Both name path and version.
    const backend = new MockBackend({}, { versions: { '/x': { 1: 'v1' } } });
    const error = await rejection(backend.get('/x', { version: 5 }));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain('/x');
    expect((error as Error).message).toMatch(/\b5\b/);
    expect(backend.calls).toEqual([['/x', 5]]);
  });

  it('forgets the recorded calls on resetCalls', async () => {
    const backend = new MockBackend({ '/x': 'v' });
    await backend.get('/x');
    backend.resetCalls();
    expect(backend.calls).toEqual([]);
  });

  it('constructs without data and misses every path', async () => {
    const backend = new MockBackend();
    await expect(backend.get('/x')).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});
