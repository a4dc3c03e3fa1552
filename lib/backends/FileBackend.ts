import { constants as fsConstants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

import { ConfigError, SecretNotFoundError } from '../errors.js';
import { abortReason } from '../internal/abort.js';
import { Backend, type BackendGetOptions } from './Backend.js';
import { DEFAULT_FILE_TRIM, FILE_RESOLVE_ATTEMPTS } from './file/constants.js';
import { mapFileError } from './file/mapFileError.js';
import { parseFilePath } from './file/parseFilePath.js';

/** The identity of a file: what tells two opens of the same path apart after a swap. */
interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  isFile(): boolean;
}

/** The part of an open file handle that {@link FileBackend} uses. */
export interface FileBackendHandle {
  stat(): Promise<FileIdentity>;
  readFile(options: { encoding: 'utf8'; signal?: AbortSignal }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The part of `node:fs/promises` that {@link FileBackend} uses; replaceable in tests. With `open`
 * and `stat` (as `node:fs/promises` has), a file is read through the handle it was checked on.
 */
export interface FileBackendFs {
  realpath(path: string): Promise<string>;
  readFile(path: string, options: { encoding: 'utf8'; signal?: AbortSignal }): Promise<string>;
  open?(path: string, flags: number): Promise<FileBackendHandle>;
  stat?(path: string): Promise<FileIdentity>;
}

/** Options of {@link FileBackend}. */
export interface FileBackendOptions {
  /** The directory the secrets are mounted in (required); relative to the working directory. */
  dir: string;
  /** Drop one trailing newline (`\n` or `\r\n`) from a whole file's content. (default: `true`) */
  trim?: boolean;
  /** The file system to read. (default: `node:fs/promises`) */
  fs?: FileBackendFs;
}

/**
 * Reads secrets mounted as files by the tools fleets already run: Kubernetes secret volumes, the
 * Secrets Store CSI driver, External Secrets, Vault Agent templates.
 *
 * `/prod/db/password` reads `<dir>/prod/db/password`; `/prod/db/creds#password` reads the
 * `password` key of the JSON file `<dir>/prod/db/creds` (the last `#` splits; a non-string value
 * comes back as JSON text). Every read opens the file anew, so a file rotated by the mount's
 * atomic `..data` symlink swap is seen at the next refresh.
 *
 * - A path that would leave `dir` (`..`, or a symlink whose target is outside) is a `ConfigError`,
 *   and so is any spelling that could read the same file as another path (`//`, a trailing `/`,
 *   `.` segments, segments starting with `..`).
 * - A missing file or JSON key is a `SecretNotFoundError`; a permission error an `AuthError`; a
 *   file that is not JSON (for `#key`) a `ConfigError` naming the path, never the content; any
 *   other I/O error a `TransientError`.
 * - Files have no versions: a `version` is a `ConfigError` rather than a silently wrong value.
 *
 * @param options.dir - the mount directory
 * @param options.trim - drop one trailing newline from a whole file (default: `true`)
 * @example
 * ```ts
 * // A Kubernetes secret volume mounted at /var/run/secrets/app:
 * const backend = new FileBackend({ dir: '/var/run/secrets/app' });
 * await backend.get('/db/password');         // the file /var/run/secrets/app/db/password
 * await backend.get('/db/creds.json#user');  // the `user` key of a JSON file
 * ```
 */
export class FileBackend extends Backend {
  readonly #dir: string;
  readonly #trim: boolean;
  readonly #fs: FileBackendFs;

  constructor(options: FileBackendOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError('FileBackend: options.dir is required');
    const { dir, trim = DEFAULT_FILE_TRIM, fs = nodeFs } = options;
    if (typeof dir !== 'string' || dir === '') throw new TypeError('FileBackend: options.dir must be a non-empty string');
    if (typeof trim !== 'boolean') throw new TypeError('FileBackend: options.trim must be a boolean');
    if (typeof fs !== 'object' || fs === null || typeof fs.realpath !== 'function' || typeof fs.readFile !== 'function') {
      throw new TypeError('FileBackend: options.fs must have realpath and readFile functions');
    }
    this.#dir = resolve(dir);
    this.#trim = trim;
    this.#fs = fs;
  }

  /** The absolute mount directory. */
  get dir(): string {
    return this.#dir;
  }

  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (options.version !== undefined) {
      throw new ConfigError(`FileBackend: secret path '${path}' asks for a version, but mounted files have no versions; remove the version`, {
        path,
      });
    }
    const { segments, key } = parseFilePath(path);
    const file = join(this.#dir, ...segments);
    let content: string;
    try {
      content = await this.#readInside(file, path, signal);
    } catch (error) {
      if (signal?.aborted === true) throw abortReason(signal);
      throw mapFileError(error, path, file);
    }
    if (key === undefined) return this.#trim ? dropTrailingNewline(content) : content;
    return readKey(content, key, path, file);
  }

  /** Resolves `file` and the directory through their symlinks, refuses an escape, reads it. */
  async #readInside(file: string, path: string, signal: AbortSignal | undefined): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const realDir = await this.#fs.realpath(this.#dir).catch((error: unknown) => {
        throw new ConfigError(`FileBackend: options.dir ${this.#dir} cannot be resolved (${codeOf(error)})`, { path, cause: error });
      });
      signal?.throwIfAborted();
      const realFile = await this.#fs.realpath(file);
      signal?.throwIfAborted();
      if (!insideDir(realDir, realFile)) {
        throw new ConfigError(`FileBackend: secret path '${path}' resolves outside ${this.#dir} (a symlink points outside the directory)`, {
          path,
        });
      }
      try {
        const read = await this.#readChecked(realFile, realDir, file, path, signal);
        if (read !== undefined) return read;
        if (attempt >= FILE_RESOLVE_ATTEMPTS) {
          throw new ConfigError(`FileBackend: secret path '${path}' kept changing while it was read; try again`, { path });
        }
      } catch (error) {
        // The target vanished between realpath and read: a rotation swapped the mount. Look again.
        if (codeOf(error) !== 'ENOENT' || attempt >= FILE_RESOLVE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Reads the resolved file. With a file system that can open files, it reads through a handle
   * opened without blocking (a FIFO cannot hang the read), refuses anything but a regular file,
   * and checks after opening that the path still resolves inside `dir` to the very file it
   * opened: a directory swapped for a symlink between the check and the open cannot redirect the
   * read outside. `undefined` when the path changed meanwhile (the caller looks again).
   */
  async #readChecked(realFile: string, realDir: string, file: string, path: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const fs = this.#fs;
    const options = { encoding: 'utf8' as const, ...(signal === undefined ? {} : { signal }) };
    if (fs.open === undefined || fs.stat === undefined) return fs.readFile(realFile, options);
    const handle = await fs.open(realFile, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) {
        throw new ConfigError(`FileBackend: secret path '${path}' is not a regular file`, { path });
      }
      const again = await fs.realpath(file);
      if (!insideDir(realDir, again)) return undefined;
      const current = await fs.stat(again);
      if (current.dev !== opened.dev || current.ino !== opened.ino) return undefined;
      signal?.throwIfAborted();
      return await handle.readFile(options);
    } finally {
      await handle.close();
    }
  }
}

/** Whether `realFile`, resolved from `file` now, is still inside `realDir`. */
function insideDir(realDir: string, realFile: string): boolean {
  const inside = relative(realDir, realFile);
  return !(inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside));
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'error';
}

function dropTrailingNewline(content: string): string {
  if (content.endsWith('\r\n')) return content.slice(0, -2);
  if (content.endsWith('\n')) return content.slice(0, -1);
  return content;
}

/** The `key` field of a JSON file. Errors name the key and the file, never the content. */
function readKey(content: string, key: string, path: string, file: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    // No cause: JSON.parse's message quotes the text it could not parse.
    throw new ConfigError(`FileBackend: secret path '${path}' reads key '${key}', but ${file} is not JSON`, { path });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`FileBackend: secret path '${path}' reads key '${key}', but ${file} does not hold a JSON object`, { path });
  }
  if (!Object.prototype.hasOwnProperty.call(parsed, key)) {
    throw new SecretNotFoundError(`Secret not found: ${path} (key '${key}' is not in ${file})`, { path });
  }
  const value = (parsed as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : JSON.stringify(value);
}
