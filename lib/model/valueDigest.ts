import { createHash } from 'node:crypto';

/**
 * A fingerprint of a raw secret value: 30 bits of its SHA-256. A slot keeps it to tell a
 * rotated value from a re-read of the same one (onChange, withSecret) where the previous raw
 * string is gone: a cast value, or a value dropped by `invalidate`. 30 bits make it a small
 * integer that V8 stores inline, so a slot grows by one field and no second copy of the secret;
 * a missed change is a one-in-a-billion chance, and only where the exact comparison of
 * the model runtime cannot be made.
 */
export function valueDigest(raw: string): number {
  return createHash('sha256').update(raw, 'utf8').digest().readUInt32BE(0) >>> 2;
}
