import { MAX_RETRY_AFTER } from './constants.js';

interface WithHeaders {
  $response?: { headers?: unknown };
  response?: { headers?: unknown };
}

/**
 * The seconds a throttling answer asks the client to wait, from its `Retry-After` header (seconds,
 * or an HTTP date) or AWS's `x-amz-retry-after` (milliseconds); `undefined` when it sent none.
 * Reads the response an AWS SDK error (`$response`) or an HTTP client error (`response`) carries.
 * A wait longer than a minute is read as a minute.
 *
 * @param error - what the client rejected with
 * @param nowMs - the wall clock, for an HTTP date (default: `Date.now()`)
 */
export function retryAfterOf(error: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as WithHeaders;
  const headers = e.$response?.headers ?? e.response?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, raw] of Object.entries(headers as Record<string, unknown>)) {
    const value = Array.isArray(raw) ? (raw[0] as unknown) : raw;
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const text = String(value).trim();
    const lower = name.toLowerCase();
    let seconds: number | undefined;
    if (lower === 'retry-after') {
      if (/^\d+(\.\d+)?$/.test(text)) seconds = Number(text);
      else {
        const at = Date.parse(text);
        if (!Number.isNaN(at)) seconds = Math.max(0, (at - nowMs) / 1000);
      }
    } else if (lower === 'x-amz-retry-after' && /^\d+$/.test(text)) {
      seconds = Number(text) / 1000;
    }
    if (seconds !== undefined && Number.isFinite(seconds)) return Math.min(seconds, MAX_RETRY_AFTER);
  }
  return undefined;
}
