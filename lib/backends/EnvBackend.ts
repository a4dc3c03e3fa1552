import { SecretNotFoundError } from '../errors.js';
import { Backend, type BackendGetOptions } from './Backend.js';

/** Options of {@link EnvBackend}. */
export interface EnvBackendOptions {
  /** Prepended to every variable name; `'MYAPP'` and `'MYAPP_'` are the same. (default: none) */
  prefix?: string;
  /** Where variables are read from. (default: `process.env`, read at each call) */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads secrets from environment variables: `/db/prod/password` reads `DB_PROD_PASSWORD`
 * (every character that is not a letter or digit becomes `_`, letters are upper-cased, the
 * leading separator is dropped). Versions are ignored.
 *
 * @example
 * ```ts
 * new EnvBackend({ prefix: 'MYAPP' }).get('/db/prod/password'); // reads MYAPP_DB_PROD_PASSWORD
 * ```
 */
export class EnvBackend extends Backend {
  readonly #prefix: string;
  readonly #env: Readonly<Record<string, string | undefined>> | undefined;

  constructor(options: EnvBackendOptions = {}) {
    super();
    const { prefix = '', env } = options;
    if (typeof prefix !== 'string') throw new TypeError('EnvBackend: options.prefix must be a string');
    if (env !== undefined && (typeof env !== 'object' || env === null)) throw new TypeError('EnvBackend: options.env must be an object');
    this.#prefix = prefix === '' || prefix.endsWith('_') ? prefix : `${prefix}_`;
    this.#env = env;
  }

  /** The variable name a path reads. */
  variableName(path: string): string {
    const name = path
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
    return this.#prefix + name;
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    const name = this.variableName(path);
    const value = (this.#env ?? process.env)[name];
    if (value === undefined) throw new SecretNotFoundError(`Secret not found: ${path} (environment variable ${name} is not set)`, { path });
    return value;
  }
}
