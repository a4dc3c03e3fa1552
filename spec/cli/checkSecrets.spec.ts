import 'reflect-metadata';

import { Backend, type BackendGetOptions, MissingContextVariableError, Nested, Secret, SecretModel, SecretNotFoundError, TransientError } from 'vaultly';
import { checkSecrets } from '../../lib/cli/checkSecrets.js';
import { collectCheckTargets } from '../../lib/cli/collectCheckTargets.js';
import { formatCheckText } from '../../lib/cli/formatCheckReport.js';
import { CheckUsageError } from '../../lib/cli/CheckUsageError.js';
import { ControlledBackend } from '../helpers/ControlledBackend.js';

@SecretModel()
class Db {
  @Secret('/{stage}/db/password') password!: string;
  @Secret('/{stage}/db/password', { version: 2 }) oldPassword!: string;
}

@SecretModel()
class App {
  constructor(readonly stage: string) {}
  @Secret('/{stage}/api') api!: string;
  @Secret('/shared/api-{stage}') shared!: string;
  @Nested() db!: Db;
}

describe('collectCheckTargets', () => {
  it('resolves every path of every tree from its root context, sharing targets between fields', () => {
    const { targets, unresolved } = collectCheckTargets([new App('prod'), new App('dev')]);
    expect(unresolved).toEqual([]);
    expect(targets).toEqual([
      { path: '/prod/api', version: undefined, fields: ['App.api'] },
      { path: '/shared/api-prod', version: undefined, fields: ['App.shared'] },
      { path: '/prod/db/password', version: undefined, fields: ['App.db.password'] },
      { path: '/prod/db/password', version: 2, fields: ['App.db.oldPassword'] },
      { path: '/dev/api', version: undefined, fields: ['App.api'] },
      { path: '/shared/api-dev', version: undefined, fields: ['App.shared'] },
      { path: '/dev/db/password', version: undefined, fields: ['App.db.password'] },
      { path: '/dev/db/password', version: 2, fields: ['App.db.oldPassword'] },
    ]);
  });

  it('reports a template that cannot be filled in as an error row naming the field, and refuses unsafe context', () => {
    const { targets, unresolved } = collectCheckTargets([new App('a/b')]);
    expect(targets).toEqual([]);
    expect(unresolved.map((r) => [r.path, r.fields, r.status, r.error])).toEqual([
      ['/{stage}/api', ['App.api'], 'error', 'ConfigError'],
      ['/shared/api-{stage}', ['App.shared'], 'error', 'ConfigError'],
      ['/{stage}/db/password', ['App.db.password'], 'error', 'ConfigError'],
      ['/{stage}/db/password', ['App.db.oldPassword'], 'error', 'ConfigError'],
    ]);
    const missing = collectCheckTargets([Object.assign(Object.create(App.prototype) as App, {})]);
    expect(missing.unresolved[0]?.error).toBe(MissingContextVariableError.kind);
  });

  it('refuses an object that is not a model instance', () => {
    expect(() => collectCheckTargets([{}])).toThrow(CheckUsageError);
  });
});

describe('checkSecrets', () => {
  const targets = (...paths: string[]) => paths.map((path) => ({ path, version: undefined, fields: [`X.${path}`] }));

  it('reads in batches of batchSize and reports every path ok', async () => {
    const backend = new ControlledBackend({ '/a': '1', '/b': '2', '/c': '3' });
    const rows = await checkSecrets(backend, targets('/a', '/b', '/c'), { batchSize: 2 });
    expect(rows.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(backend.batches).toEqual([['/a', '/b'], ['/c']]);
  });

  it('after a batch failing transiently, classifies each path with get, one at a time', async () => {
    class Flaky extends Backend {
      readonly gets: string[] = [];
      override async getBatch(): Promise<Record<string, string>> {
        throw new TransientError('throttled');
      }
      async get(path: string, _options?: BackendGetOptions): Promise<string> {
        this.gets.push(path);
        if (path === '/gone') throw new SecretNotFoundError('nope', { path });
        if (path === '/slow') throw new TransientError('timeout', { path });
        if (path === '/odd') throw 'a string';
        return 'v';
      }
    }
    const backend = new Flaky();
    const rows = await checkSecrets(backend, targets('/a', '/gone', '/slow', '/odd'));
    expect(rows.map((r) => [r.path, r.status, r.error])).toEqual([
      ['/a', 'ok', undefined],
      ['/gone', 'missing', undefined],
      ['/slow', 'error', 'TransientError'],
      ['/odd', 'error', 'Error'],
    ]);
    expect(backend.gets).toEqual(['/a', '/gone', '/slow', '/odd']);
  });

  it('falls back to get when a not-found error names paths the batch did not ask for', async () => {
    class Renaming extends Backend {
      override async getBatch(): Promise<Record<string, string>> {
        throw new SecretNotFoundError('not found', { paths: ['secret/data/a'] });
      }
      async get(path: string): Promise<string> {
        if (path === '/a') throw new SecretNotFoundError('nope', { path });
        return 'v';
      }
    }
    const rows = await checkSecrets(new Renaming(), targets('/a', '/b'));
    expect(rows.map((r) => r.status)).toEqual(['missing', 'ok']);
  });

  it('reads versioned targets with get and the version', async () => {
    const backend = new ControlledBackend({ '/a@3': 'old' });
    const rows = await checkSecrets(backend, [
      { path: '/a', version: 3, fields: ['X.old'] },
      { path: '/a', version: 4, fields: ['X.older'] },
    ]);
    expect(rows.map((r) => [r.version, r.status])).toEqual([
      [3, 'ok'],
      [4, 'missing'],
    ]);
    expect(backend.gets).toEqual([
      ['/a', 3],
      ['/a', 4],
    ]);
    expect(backend.batches).toEqual([]);
  });

  it('rejects with the reason of an aborted signal', async () => {
    const reason = new Error('stop');
    await expect(checkSecrets(new ControlledBackend({ '/a': '1' }), targets('/a'), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('refuses a batchSize that is not a positive integer', async () => {
    await expect(checkSecrets(new ControlledBackend(), [], { batchSize: 0 })).rejects.toThrow(/options\.batchSize/);
  });
});

describe('formatCheckText', () => {
  it('aligns the columns and ends with a summary', () => {
    expect(
      formatCheckText([
        { path: '/a', fields: ['X.a'], status: 'ok' },
        { path: '/long/path', version: 'AWSCURRENT', fields: ['X.b', 'X.c'], status: 'error', error: 'TransientError' },
      ]),
    ).toBe(['ok                     /a                     X.a', 'error: TransientError  /long/path@AWSCURRENT  X.b, X.c', '2 secrets: 1 ok, 0 missing, 0 denied, 1 error', ''].join('\n'));
  });
});
