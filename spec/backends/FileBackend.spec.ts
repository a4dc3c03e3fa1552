import 'reflect-metadata';
import { mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AuthError,
  bindSecrets,
  ConfigError,
  dispose,
  FileBackend,
  type FileBackendFs,
  prefetch,
  refresh,
  Secret,
  SecretModel,
  SecretNotFoundError,
  TransientError,
} from 'vaultly';
import { canary, renderForLeakCheck } from '../helpers/canary.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaultly-file-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(relative: string, content: string, root = dir): Promise<void> {
  const file = join(root, relative);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, content);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error('expected a rejection');
  return outcome.error as Error;
}

/** A Kubernetes secret volume: `..<stamp>/` holds the files, `..data` points at it, each name at `..data/<name>`. */
async function kubernetesVolume(files: Record<string, string>): Promise<(next: Record<string, string>) => Promise<void>> {
  let generation = 0;
  const writeGeneration = async (content: Record<string, string>): Promise<string> => {
    const stamp = `..2026_11_23_20_00_0${generation++}.123456789`;
    await mkdir(join(dir, stamp));
    for (const [name, value] of Object.entries(content)) await writeFile(join(dir, stamp, name), value);
    return stamp;
  };
  const first = await writeGeneration(files);
  await symlink(first, join(dir, '..data'));
  for (const name of Object.keys(files)) await symlink(join('..data', name), join(dir, name));
  // The atomic writer's swap: a new generation, a temporary link, rename over ..data, remove the old one.
  return async (next) => {
    const old = await readlink(join(dir, '..data'));
    const stamp = await writeGeneration(next);
    await symlink(stamp, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, old), { recursive: true });
  };
}

describe('Class: FileBackend', () => {
  describe('constructor', () => {
    it.each([
      [{}, /options\.dir/],
      [{ dir: '' }, /options\.dir/],
      [{ dir: '/x', trim: 'yes' }, /options\.trim/],
      [{ dir: '/x', fs: {} }, /options\.fs/],
    ])('rejects %j naming the option', (options, message) => {
      expect(() => new FileBackend(options as never)).toThrow(message);
    });

    it('resolves a relative dir against the working directory', () => {
      expect(new FileBackend({ dir: 'secrets' }).dir).toBe(join(process.cwd(), 'secrets'));
    });
  });

  describe('get', () => {
    it('reads <dir>/prod/db/password for /prod/db/password, dropping one trailing newline', async () => {
      await put('prod/db/password', 'pw\n\n');
      await expect(new FileBackend({ dir }).get('/prod/db/password')).resolves.toBe('pw\n');
    });

    it('drops a trailing \\r\\n too, and keeps the content as is with trim: false', async () => {
      await put('a', 'one\r\n');
      await put('b', 'two\n');
      await expect(new FileBackend({ dir }).get('/a')).resolves.toBe('one');
      await expect(new FileBackend({ dir, trim: false }).get('/b')).resolves.toBe('two\n');
    });

    it('reads a key of a JSON file, splitting at the last #, non-strings as JSON text', async () => {
      await put('db#1/creds', JSON.stringify({ user: 'app', port: 5432, tags: ['a'] }));
      const backend = new FileBackend({ dir });
      await expect(backend.get('/db#1/creds#user')).resolves.toBe('app');
      await expect(backend.get('/db#1/creds#port')).resolves.toBe('5432');
      await expect(backend.get('/db#1/creds#tags')).resolves.toBe('["a"]');
    });

    it('rejects a missing file with SecretNotFoundError naming the path', async () => {
      const error = await failure(new FileBackend({ dir }).get('/prod/db/password'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).path).toBe('/prod/db/password');
      expect(error.message).toContain('/prod/db/password');
    });

    it('rejects a missing JSON key with SecretNotFoundError naming key and path, never the content', async () => {
      const secret = canary('json-content');
      await put('creds', JSON.stringify({ password: secret }));
      const error = await failure(new FileBackend({ dir }).get('/creds#user'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toContain("key 'user'");
      expect(error.message).toContain('/creds#user');
      expect(renderForLeakCheck(error)).not.toContain(secret);
    });

    it('rejects a #key of a file that is not JSON with ConfigError naming the path, never the content', async () => {
      const secret = canary('not-json');
      await put('plain', `${secret} and more`);
      await put('list', JSON.stringify([secret]));
      const backend = new FileBackend({ dir });
      for (const path of ['/plain#key', '/list#0']) {
        const error = await failure(backend.get(path));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toContain(path);
        expect(renderForLeakCheck(error)).not.toContain(secret);
      }
    });

    it('refuses a version with ConfigError: files have no versions', async () => {
      await put('a', 'x');
      const error = await failure(new FileBackend({ dir }).get('/a', { version: 2 }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/no versions/);
    });

    it.each([
      ['/../outside', 'leave the directory'],
      ['/a/../../outside', 'leave the directory'],
      ['/a//b', 'empty segment'],
      ['/a/b/', 'empty segment'],
      ['/a/./b', "'.' segment"],
      ['/..data/password', "mount's internal names"],
      ['a/b', "must start with '/'"],
      ['/a\\b', "'\\'"],
      ['/a#', 'empty key'],
      ['', 'empty'],
    ])('refuses %j with ConfigError (%s) rather than reading another spelling of a file', async (path, reason) => {
      await put('a/b', 'x');
      await put('outside', 'x');
      const error = await failure(new FileBackend({ dir: join(dir, 'a') }).get(path));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(reason);
    });

    it('refuses a symlink pointing outside dir with ConfigError, without reading it', async () => {
      const secret = canary('outside');
      await put('outside/secret', secret);
      await mkdir(join(dir, 'mount'));
      await symlink(join(dir, 'outside', 'secret'), join(dir, 'mount', 'escape'));
      await symlink(join(dir, 'outside'), join(dir, 'mount', 'escapedir'));
      const backend = new FileBackend({ dir: join(dir, 'mount') });
      for (const path of ['/escape', '/escapedir/secret']) {
        const error = await failure(backend.get(path));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toContain('outside');
        expect(renderForLeakCheck(error)).not.toContain(secret);
      }
    });

    it('follows symlinks that stay inside dir, and a dir that is itself a symlink', async () => {
      await put('real/token', 't');
      await symlink(join(dir, 'real'), join(dir, 'linked'));
      await mkdir(join(dir, 'real', 'sub'));
      await symlink('../token', join(dir, 'real', 'sub', 'alias'));
      const backend = new FileBackend({ dir: join(dir, 'linked') });
      await expect(backend.get('/token')).resolves.toBe('t');
      await expect(backend.get('/sub/alias')).resolves.toBe('t');
    });

    it('rejects a missing dir with ConfigError naming options.dir', async () => {
      const error = await failure(new FileBackend({ dir: join(dir, 'nope') }).get('/a'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('options.dir');
    });

    it('rejects a symlink loop with ConfigError', async () => {
      await symlink('b', join(dir, 'a'));
      await symlink('a', join(dir, 'b'));
      await expect(new FileBackend({ dir }).get('/a')).rejects.toBeInstanceOf(ConfigError);
    });

    it('rejects a directory where a file should be with ConfigError', async () => {
      await put('db/password', 'x');
      await expect(new FileBackend({ dir }).get('/db')).rejects.toBeInstanceOf(ConfigError);
    });

    it('honours an aborted signal, before and during the read', async () => {
      await put('a', 'x');
      const backend = new FileBackend({ dir });
      const reason = new Error('stop');
      await expect(backend.get('/a', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      const controller = new AbortController();
      const fs: FileBackendFs = {
        realpath: async (path) => path,
        readFile: (_path, options) =>
          new Promise((_resolve, reject) => {
            options.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
          }),
      };
      const reading = new FileBackend({ dir, fs }).get('/a', { signal: controller.signal });
      controller.abort(reason);
      await expect(reading).rejects.toBe(reason);
    });
  });

  describe('error mapping (we run as root, so permissions are simulated with an injected fs)', () => {
    const failingFs = (code: string): FileBackendFs => ({
      realpath: async (path) => path,
      readFile: async (path) => {
        throw Object.assign(new Error(`${code}: failed, open '${path}'`), { code });
      },
    });

    it.each([
      ['EACCES', AuthError],
      ['EPERM', AuthError],
      ['ENOENT', SecretNotFoundError],
      ['ELOOP', ConfigError],
      ['ENAMETOOLONG', ConfigError],
      ['EIO', TransientError],
      ['EMFILE', TransientError],
    ])('maps %s to %p, naming the path and keeping the cause', async (code, type) => {
      const error = await failure(new FileBackend({ dir: '/mnt/secrets', fs: failingFs(code) }).get('/db/password'));
      expect(error).toBeInstanceOf(type);
      expect(error.message).toContain('/db/password');
      expect((error.cause as { code: string }).code).toBe(code);
    });

    it('maps a permission error on the path itself (realpath) to AuthError', async () => {
      const fs: FileBackendFs = {
        realpath: async (path) => {
          if (path.endsWith('password')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
          return path;
        },
        readFile: async () => 'x',
      };
      await expect(new FileBackend({ dir: '/mnt', fs }).get('/password')).rejects.toBeInstanceOf(AuthError);
    });

    it('resolves again when the resolved file vanished mid-rotation, and gives up after a few tries', async () => {
      let reads = 0;
      const fs: FileBackendFs = {
        realpath: async (path) => path,
        readFile: async () => {
          reads++;
          if (reads < 3) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
          return 'new';
        },
      };
      await expect(new FileBackend({ dir: '/mnt', fs }).get('/a')).resolves.toBe('new');
      reads = -100;
      await expect(new FileBackend({ dir: '/mnt', fs }).get('/a')).rejects.toBeInstanceOf(SecretNotFoundError);
    });
  });

  describe('races and special files', () => {
    it('refuses a named pipe at once instead of blocking on it', async () => {
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      const error = await failure(new FileBackend({ dir }).get('/pipe'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/'\/pipe' is not a regular file/);
    });

    /** An fs whose path resolves inside the mount, but whose opened file is not the one found there afterwards. */
    function swappingFs(afterOpen: 'other file' | 'outside'): FileBackendFs {
      const inside = (path: string): string => path;
      let resolved = 0;
      return {
        realpath: async (path) => {
          if (!path.endsWith('/pw')) return inside(path);
          resolved++;
          // Every even resolution comes after an open: the attacker's swap has happened.
          return afterOpen === 'outside' && resolved % 2 === 0 ? '/elsewhere/pw' : path;
        },
        readFile: async () => {
          throw new Error('read by path: the handle should have been used');
        },
        open: async () => ({
          stat: async () => ({ dev: 1, ino: 1, isFile: () => true }),
          readFile: async () => canary('file-outside-the-mount'),
          close: async () => undefined,
        }),
        stat: async () => ({ dev: 1, ino: 2, isFile: () => true }),
      };
    }

    it('never returns what it opened when the path no longer leads to that file (a swap between check and open)', async () => {
      for (const afterOpen of ['other file', 'outside'] as const) {
        const error = await failure(new FileBackend({ dir: '/mnt/secrets', fs: swappingFs(afterOpen) }).get('/pw'));
        expect(error).toBeInstanceOf(ConfigError);
        expect(renderForLeakCheck(error)).not.toContain('file-outside-the-mount');
      }
    });
  });

  describe('getBatch', () => {
    it('reads every path and names every missing one', async () => {
      await put('a', 'A\n');
      await put('j', '{"k":"K"}');
      const backend = new FileBackend({ dir });
      await expect(backend.getBatch(['/a', '/j#k'])).resolves.toEqual({ '/a': 'A', '/j#k': 'K' });
      const error = await failure(backend.getBatch(['/a', '/x', '/j#nope']));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect([...(error as SecretNotFoundError).paths].sort()).toEqual(['/j#nope', '/x']);
    });
  });

  describe('rotation', () => {
    it('sees a Kubernetes-style ..data swap at the next refresh of a bound model', async () => {
      const before = canary('before');
      const after = canary('after');
      const rotate = await kubernetesVolume({ password: `${before}\n`, username: 'app\n' });

      @SecretModel()
      class Db {
        @Secret('/password') password!: string;
        @Secret('/username') username!: string;
      }
      const db = await bindSecrets(new Db(), { backend: new FileBackend({ dir }) });
      await prefetch(db);
      expect(db.password).toBe(before);

      await rotate({ password: `${after}\n`, username: 'app\n' });
      expect(db.password).toBe(before); // cached until refreshed
      await refresh(db, 'password');
      expect(db.password).toBe(after);
      expect(db.username).toBe('app');
      dispose(db);
    });
  });
});
