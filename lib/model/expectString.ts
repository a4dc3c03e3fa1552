import { ConfigError } from '../errors.js';
import type { Slot } from './Slot.js';

/**
 * The raw value a backend returned, if it is a string. Anything else is a broken backend: it
 * must not be cached (as a String field would) or cast into a misleading error.
 */
export function expectString(raw: unknown, slot: Slot): string {
  if (typeof raw === 'string') return raw;
  const type = typeof raw;
  const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : type === 'undefined' ? 'undefined' : `${type === 'object' ? 'an' : 'a'} ${type}`;
  throw new ConfigError(`The backend returned ${kind}, not a string, for secret '${slot.label}'; a Backend must resolve to the raw string`, {
    path: slot.path,
  });
}
