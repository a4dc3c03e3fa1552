import { maxPerWindow, perSecond, quotaFloorSeconds } from '../../../bench/harness/quota.js';
import { quantile } from '../../../bench/harness/summarize.js';

describe('quotaFloorSeconds', () => {
  it('lets the burst through at once and the rest at the rate', () => {
    expect(quotaFloorSeconds(100, { rate: 40, burst: 40 })).toBe(1.5);
    expect(quotaFloorSeconds(400, { rate: 40, burst: 40 })).toBe(9);
  });

  it('is never below half a second', () => {
    expect(quotaFloorSeconds(10, { rate: 40, burst: 40 })).toBe(0.5);
    expect(quotaFloorSeconds(30, { rate: 40, burst: 10 })).toBe(0.5);
  });
});

describe('maxPerWindow', () => {
  it('counts a burst that straddles a second boundary as one window', () => {
    // 3 requests just before t = 1000 and 3 just after: fixed seconds would see 3 and 3.
    expect(maxPerWindow([990, 995, 999, 1_001, 1_005, 1_010])).toBe(6);
  });

  it('does not count requests a full window apart together, whatever their order', () => {
    expect(maxPerWindow([2_000, 0, 1_000])).toBe(1);
    expect(maxPerWindow([])).toBe(0);
  });
});

describe('perSecond', () => {
  it('counts requests per fixed second from the start, with empty seconds as 0 and earlier requests left out', () => {
    expect(perSecond([100, 200, 2_500, -5], 0)).toEqual([2, 0, 1]);
  });
});

describe('quantile', () => {
  it('interpolates between order statistics: p99 of 20 samples lies between the two slowest', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(quantile(values, 0.5)).toBe(10.5);
    expect(quantile(values, 0.99)).toBeCloseTo(19 + 0.81, 9);
    expect(quantile(values, 1)).toBe(20);
  });
});
