'use strict';
// Number formatting shared by the Markdown reports and console summaries.

const num = (v, digits) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** "median (min–max)" of a spread. */
const mmm = (s, digits) =>
  s?.median === null || s?.median === undefined
    ? '—'
    : s.n > 1
      ? `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`
      : num(s.median, digits);
/** "min / median / max" of a ratio spread. */
const ratio = (s) =>
  s?.median === null || s?.median === undefined
    ? '—'
    : s.n > 1
      ? `${num(s.min, 2)} / **${num(s.median, 2)}** / ${num(s.max, 2)}`
      : `**${num(s.median, 2)}**`;
const short = (sha) => (sha ? sha.slice(0, 7) : 'unknown');
const minutes = (s) => (s >= 90 ? `${Math.round(s / 60)} min` : `${s} s`);
/** A Markdown table from a header row and rows of cells. */
const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

module.exports = { num, mmm, ratio, short, minutes, table };
