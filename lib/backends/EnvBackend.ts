import { ConfigError, SecretNotFoundError } from '../errors.js';
import { Backend, type BackendBatchOptions, type BackendGetOptions } from './Backend.js';

/** Options of {@link EnvBackend}. */
export interface EnvBackendOptions {
  /** Prepended to every variable name; `'MYAPP'` and `'MYAPP_'` are the same. (default: none) */
  prefix?: string;
  /** Where variables are read from. (default: `process.env`, read at each call) */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The paths EnvBackend can map one-to-one: lower-case ASCII letters and digits between single
 * `/`, with one optional leading `/`. Anything else (`.`, `-`, `_`, spaces, upper case, look-alike
 * slashes such as `／` or `∕`) would share a variable with another path, so it is refused.
 */
const MAPPABLE_PATH = /^\/?[a-z0-9]+(?:\/[a-z0-9]+)*$/;

/**
 * Reads secrets from environment variables: `/db/prod/password` reads `DB_PROD_PASSWORD`.
 *
 * A path is lower-case ASCII letters and digits between single `/` (a leading `/` is optional);
 * each `/` becomes `_` and letters are upper-cased. That mapping is one-to-one, so two different
 * paths (two different filled-in `{stage}` values, say) never read the same variable. Any other
 * path (`prod.db`, `prod-db`, `prod_db`, `Prod`, `prod／db`, an empty segment) is refused with a
 * `ConfigError`, because it would read a variable that another path reads too. Versions are
 * ignored.
 *
 * @param options.prefix - prepended with one `_` (default: none; `'MYAPP'` and `'MYAPP_'` are the same)
 * @param options.env - the variables (default: `process.env`, read at each call)
 * @throws TypeError at construction when an option is invalid; the message names it
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

  /**
   * The variable name a path reads.
   * @throws ConfigError naming the path when it is not lower-case letters and digits between single `/`
   */
  variableName(path: string): string {
    if (typeof path !== 'string' || !MAPPABLE_PATH.test(path)) {
      throw new ConfigError(
        `EnvBackend cannot read ${String(path)}: a path must be lower-case letters a-z and digits between single '/' ` +
          `(e.g. /db/prod/password reads DB_PROD_PASSWORD), so that no two paths read the same variable`,
        { path: String(path) },
      );
    }
    return this.#prefix + path.replace(/^\//, '').replaceAll('/', '_').toUpperCase();
  }

  /**
   * Reads the variable of one path.
   * @throws SecretNotFoundError naming the path and the variable to set
   * @throws ConfigError when the path cannot be mapped to one variable (see {@link EnvBackend})
   */
  // eslint-disable-next-line @typescript-eslint/require-await
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    const name = this.variableName(path);
    const value = this.#read(name);
    if (value === undefined) throw new SecretNotFoundError(`Secret not found: ${path} (environment variable ${name} is not set)`, { path });
    return value;
  }

  /**
   * Reads many paths at once. Rejects with one `SecretNotFoundError` naming every missing path
   * and the variables to set, or with a `ConfigError` for the first path that cannot be mapped.
   */
  // eslint-disable-next-line @typescript-eslint/require-await
  override async getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    options.signal?.throwIfAborted();
    // No prototype: a secret named `__proto__` is a plain key.
    const values = Object.create(null) as Record<string, string>;
    const missing: string[] = [];
    const variables: string[] = [];
    for (const path of new Set(paths)) {
      const name = this.variableName(path);
      const value = this.#read(name);
      if (value === undefined) {
        missing.push(path);
        variables.push(name);
      } else {
        values[path] = value;
      }
    }
    if (missing.length > 0) {
      const list = missing.join(', ');
      const head = missing.length === 1 ? `Secret not found: ${list}` : `${missing.length} secrets not found: ${list}`;
      const set = variables.length === 1 ? `environment variable ${variables.join('')} is` : `environment variables ${variables.join(', ')} are`;
      throw new SecretNotFoundError(`${head} (${set} not set)`, {
        paths: missing,
        ...(missing.length === 1 ? { path: missing[0] as string } : {}),
      });
    }
    return values;
  }

  #read(name: string): string | undefined {
    const env = this.#env ?? process.env;
    // Own properties only: `toString` or `__proto__` must not read the prototype.
    return Object.hasOwn(env, name) ? env[name] : undefined;
  }
}
