import type { Summary } from './harness/summarize.js';
import type { Measure } from './Measure.js';

/**
 * The results as a plain-text table, one row per measure, then each baseline's description. A row
 * judged on a median shows each side's spread (p25-p75 over n samples) in the `spread` column.
 */
export function formatTable(measures: readonly Measure[]): string {
  const header = ['#', 'measure', 'ours', 'baseline', 'ratio', 'target', 'met', 'spread'];
  const rows = measures.map((m, i) => [
    String(i + 1),
    m.name,
    `${formatNumber(m.ours)} ${m.unit}`,
    `${formatNumber(m.baseline)} ${m.unit}`,
    formatRatio(m.ratio),
    m.target,
    m.met ? 'yes' : 'NO',
    formatSpread(m),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const notes = measures.map((m, i) => `  ${i + 1}. baseline: ${m.baselineName}`);
  return [line(header), rule, ...rows.map(line), '', ...notes].join('\n');
}

function formatSpread(m: Measure): string {
  if (m.spread === undefined) return '';
  const side = (s: Summary): string => `${formatNumber(s.p25)}-${formatNumber(s.p75)} (n=${s.samples})`;
  return m.spread.baseline === undefined ? `ours ${side(m.spread.ours)}` : `ours ${side(m.spread.ours)}, baseline ${side(m.spread.baseline)}`;
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(ratio: number): string {
  if (ratio < 0) return 'n/a';
  return ratio < 0.01 ? ratio.toExponential(1) : ratio.toFixed(2);
}
