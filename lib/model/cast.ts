import { ConfigError, VaultlyError } from '../errors.js';

/** Turns a raw backend string into a field's value. */
export type Transform<T = unknown> = (raw: string) => T;

/** The design types vaultly knows how to cast without a `transform`. */
export const CASTABLE_TYPES: ReadonlySet<unknown> = new Set<unknown>([String, Number, Boolean, Object, Array, undefined]);

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Casts `raw` by the property's `design:type`, or through `transform` when one is given.
 * A failure throws {@link ConfigError} naming the field and path; neither the raw value nor the
 * underlying error's message (which could quote it) is put in the message. A `VaultlyError`
 * thrown by a transform passes through as it is.
 */
export function castValue(raw: string, designType: unknown, transform: Transform | undefined, field: string, path: string): unknown {
  if (transform !== undefined) {
    try {
      return transform(raw);
    } catch (cause) {
      // A transform that raises vaultly's own error chose its message; it names no value.
      if (VaultlyError.is(cause)) throw cause;
      const kind = cause instanceof Error ? cause.name : typeof cause;
      throw new ConfigError(`${field}: transform failed for secret '${path}' (${kind})`, { path, cause: redacted(cause) });
    }
  }
  switch (designType) {
    case undefined:
    case String:
      return raw;
    case Number: {
      const trimmed = raw.trim();
      const value = Number(trimmed);
      if (!DECIMAL.test(trimmed) || !Number.isFinite(value)) throw castError(field, path, 'a decimal number');
      return value;
    }
    case Boolean: {
      const word = raw.trim().toLowerCase();
      if (TRUE.has(word)) return true;
      if (FALSE.has(word)) return false;
      throw castError(field, path, 'a boolean (true/false, 1/0, yes/no, on/off)');
    }
    case Array:
    case Object: {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw castError(field, path, 'JSON');
      }
      if (designType === Array && !Array.isArray(value)) throw castError(field, path, 'a JSON array');
      return value;
    }
    default:
      throw new ConfigError(`${field}: no cast for its type; give @Secret a transform (secret '${path}')`, { path });
  }
}

function castError(field: string, path: string, expected: string): ConfigError {
  return new ConfigError(`${field}: the value of secret '${path}' is not ${expected}`, { path });
}

/**
 * A transform's error may quote the value it choked on (JSON.parse does). Keep its class name
 * and stack frames, drop its message.
 */
function redacted(cause: unknown): Error {
  const name = cause instanceof Error ? cause.name : typeof cause;
  const error = new Error(`${name} (message withheld: it may contain the secret value)`);
  error.name = name;
  return error;
}
