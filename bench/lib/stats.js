'use strict';

const round = (v, digits = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** count, mean, p50/p90/p95/p99/p99.9 and max of a list of milliseconds, rounded to µs-ish. */
function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  if (!sorted.length) return { count: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: round(sum / sorted.length, 3),
    min: round(sorted[0], 3),
    p50: round(percentile(sorted, 50), 3),
    p90: round(percentile(sorted, 90), 3),
    p95: round(percentile(sorted, 95), 3),
    p99: round(percentile(sorted, 99), 3),
    p999: round(percentile(sorted, 99.9), 3),
    max: round(sorted[sorted.length - 1], 3),
  };
}

/** Median, min and max of a few values (e.g. one per round); nulls ignored. */
function spread(values, digits = 3) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return { median: null, min: null, max: null, n: 0 };
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median: round(median, digits), min: round(v[0], digits), max: round(v[v.length - 1], digits), n: v.length };
}

module.exports = { percentile, summarize, round, spread };
