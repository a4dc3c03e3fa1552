import { ConfigError } from '../../errors.js';

/** A `FileBackend` path taken apart: the file's segments under `dir`, and the JSON key if any. */
export interface ParsedFilePath {
  /** The file's path segments below `dir`, in order. */
  readonly segments: readonly string[];
  /** The key after the last `#`, when the path reads one field of a JSON file. */
  readonly key: string | undefined;
}

/**
 * Parses `/prod/db/password` or `/prod/db/creds#password`. Refuses, with a {@link ConfigError},
 * every spelling that could read the same file as another path (`//`, a trailing `/`, `.`
 * segments) or leave the directory (`..`), rather than normalising it silently. Segments that
 * start with `..` are refused too: they are the mount's internals (`..data`, `..2026_...`), and
 * `/..data/password` would read the same file as `/password`.
 */
export function parseFilePath(path: string): ParsedFilePath {
  if (typeof path !== 'string' || path === '') throw new ConfigError('FileBackend: the secret path is empty');
  const hash = path.lastIndexOf('#');
  const file = hash < 0 ? path : path.slice(0, hash);
  const key = hash < 0 ? undefined : path.slice(hash + 1);
  if (key === '') throw new ConfigError(`FileBackend: secret path '${path}' has an empty key after '#'`, { path });
  if (!file.startsWith('/')) throw new ConfigError(`FileBackend: secret path '${path}' must start with '/'`, { path });
  if (file.includes('\\')) {
    // A separator on Windows: `/a\b` and `/a/b` would be the same file there.
    throw new ConfigError(`FileBackend: secret path '${path}' contains '\\'; use '/' between directories`, { path });
  }
  if (file.includes('\0')) throw new ConfigError(`FileBackend: secret path '${path.replace(/\0/g, '\\0')}' contains a NUL character`, { path });
  const segments = file.slice(1).split('/');
  for (const segment of segments) {
    const reason =
      segment === ''
        ? "has an empty segment ('//' or a trailing '/')"
        : segment === '.'
          ? "has a '.' segment"
          : segment.startsWith('..')
            ? `has a segment starting with '..' (${segment === '..' ? 'it would leave the directory' : "the mount's internal names"})`
            : undefined;
    if (reason !== undefined) throw new ConfigError(`FileBackend: secret path '${path}' ${reason}`, { path });
  }
  return { segments, key };
}
