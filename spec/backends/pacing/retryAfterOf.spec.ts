import { isThrottlingError } from '../../../lib/backends/pacing/isThrottlingError.js';
import { retryAfterOf } from '../../../lib/backends/pacing/retryAfterOf.js';

describe('retryAfterOf', () => {
  const now = Date.parse('2026-11-23T20:00:00Z');

  it.each<[string, unknown, number | undefined]>([
    ['seconds on an SDK $response', { $response: { headers: { 'retry-after': '2' } } }, 2],
    ['fractional seconds, any header case', { response: { headers: { 'Retry-After': '0.5' } } }, 0.5],
    ['an HTTP date', { response: { headers: { 'retry-after': 'Mon, 23 Nov 2026 20:00:03 GMT' } } }, 3],
    ['a date in the past as 0', { response: { headers: { 'retry-after': 'Mon, 23 Nov 2026 19:00:00 GMT' } } }, 0],
    ["AWS's x-amz-retry-after in ms", { $response: { headers: { 'x-amz-retry-after': '1500' } } }, 1.5],
    ['an hour, capped at a minute', { response: { headers: { 'retry-after': '3600' } } }, 60],
    ['nothing without the header', { response: { headers: {} } }, undefined],
    ['nothing for garbage', { response: { headers: { 'retry-after': 'soon' } } }, undefined],
    ['nothing for a non-object', 'boom', undefined],
  ])('reads %s', (_, error, expected) => {
    expect(retryAfterOf(error, now)).toBe(expected);
  });
});

describe('isThrottlingError', () => {
  it.each<[string, unknown, boolean]>([
    ['ThrottlingException', { name: 'ThrottlingException' }, true],
    ['TooManyRequestsException', { name: 'TooManyRequestsException' }, true],
    ['$retryable.throttling', { name: 'Whatever', $retryable: { throttling: true } }, true],
    ['an SDK 429', { name: 'X', $metadata: { httpStatusCode: 429 } }, true],
    ['an HTTP client 429', { response: { statusCode: 429 } }, true],
    ['a 500', { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }, false],
    ['a string', 'ThrottlingException', false],
  ])('%s → %s', (_, error, expected) => {
    expect(isThrottlingError(error)).toBe(expected);
  });
});
