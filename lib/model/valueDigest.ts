import { createHash } from 'node:crypto';

/**
 * A fingerprint of a raw secret value: 30 bits of its SHA-256. A slot keeps it to tell a
 * rotated value from a re-read of the same one (onChange, withSecret) where the previous raw
 * string is gone: a value dropped by `invalidate`, or a key that caches nothing (ttl 0). 30 bits
 * make it a small integer that V8 stores inline, and no copy of the secret; a missed change is a
 * one-in-a-billion chance, and only where the strings themselves cannot be compared.
 */
export function valueDigest(raw: string): number {
  return createHash('sha256').update(raw, 'utf8').digest().readUInt32BE(0) >>> 2;
}

/**
 * Whether two slot sources (see `Slot.source`: a raw string, or its {@link valueDigest}) are of
 * the same value: strings are compared exactly, a string and a digest by the string's digest.
 * Undefined (never loaded) is the same only as undefined.
 */
export function sameSource(a: string | number | undefined, b: string | number | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || typeof a === typeof b) return false;
  return (typeof a === 'string' ? valueDigest(a) : a) === (typeof b === 'string' ? valueDigest(b) : b);
}
