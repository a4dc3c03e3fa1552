import { MockBackend } from 'vaultly/testing';
import { SecretNotFoundError } from 'vaultly';

describe('Class: MockBackend', () => {
  it('returns values and records calls with their version', async () => {
    const backend = new MockBackend({ '/a': 'A' }, { versions: { '/a': { 1: 'A1', prev: 'A0' } } });
    await expect(backend.get('/a')).resolves.toBe('A');
    await expect(backend.get('/a', { version: 1 })).resolves.toBe('A1');
    await expect(backend.get('/a', { version: 'prev' })).resolves.toBe('A0');
    expect(backend.calls).toEqual([
      ['/a', undefined],
      ['/a', 1],
      ['/a', 'prev'],
    ]);
    backend.resetCalls();
    expect(backend.calls).toEqual([]);
  });

  it('rejects missing keys and versions with SecretNotFoundError', async () => {
    const backend = new MockBackend({ '/a': 'A' });
    await expect(backend.get('/b')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(backend.get('/a', { version: 2 })).rejects.toThrow('/a (version 2)');
  });

  it('set and delete rotate values', async () => {
    const backend = new MockBackend({ '/a': 'A' });
    backend.set('/a', 'B');
    await expect(backend.get('/a')).resolves.toBe('B');
    backend.delete('/a');
    await expect(backend.get('/a')).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});
