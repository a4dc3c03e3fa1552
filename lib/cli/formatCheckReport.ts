import { CHECK_STATUS, type CheckRow } from './CheckRow.js';

/** Counts of rows by status. */
export type CheckSummary = Record<(typeof CHECK_STATUS)[keyof typeof CHECK_STATUS], number>;

/** How many rows have each status. */
export function summarize(rows: readonly CheckRow[]): CheckSummary {
  const summary: CheckSummary = { ok: 0, missing: 0, denied: 0, error: 0 };
  for (const row of rows) summary[row.status]++;
  return summary;
}

/** The report for machines: `{ ok, summary, rows }`, one line of JSON. */
export function formatCheckJson(rows: readonly CheckRow[]): string {
  const summary = summarize(rows);
  return `${JSON.stringify({ ok: summary.ok === rows.length, summary, rows })}\n`;
}

/**
 * The report for people: one row per path (`ok`, `missing`, `denied`, `error: <ErrorName>`), the
 * path (`@version` when pinned) and the fields reading it; then the details of templates that
 * could not be resolved, and a summary line.
 */
export function formatCheckText(rows: readonly CheckRow[]): string {
  const cells = rows.map((row) => [
    row.status === CHECK_STATUS.Error ? `error: ${row.error ?? 'Error'}` : row.status,
    row.version === undefined ? row.path : `${row.path}@${String(row.version)}`,
    row.fields.join(', '),
  ]);
  const widths = [0, 1].map((i) => Math.max(0, ...cells.map((c) => (c[i] as string).length)));
  const lines = cells.map(([status, path, fields]) =>
    `${(status as string).padEnd(widths[0] as number)}  ${(path as string).padEnd(widths[1] as number)}  ${fields as string}`.trimEnd(),
  );
  for (const row of rows) if (row.detail !== undefined) lines.push(`  ${row.detail}`);
  const s = summarize(rows);
  lines.push(`${rows.length} secret${rows.length === 1 ? '' : 's'}: ${s.ok} ok, ${s.missing} missing, ${s.denied} denied, ${s.error} error${s.error === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}
