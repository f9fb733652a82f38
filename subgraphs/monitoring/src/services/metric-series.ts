import { badUserInput, type FieldError } from '@lattice/platform';

export const MAX_BUCKETS = 10_000;

export interface SeriesWindow {
  from: Date;
  to: Date;
  bucketSeconds: number;
}

export interface BucketRow {
  idx: number;
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
}

export function bucketCount({ from, to, bucketSeconds }: SeriesWindow): number {
  return Math.ceil((to.getTime() - from.getTime()) / (bucketSeconds * 1000));
}

/** The window must be ordered, buckets at least a second, and the answer of bounded size. */
export function validateWindow(window: SeriesWindow): void {
  const fields: FieldError[] = [];
  if (!Number.isInteger(window.bucketSeconds) || window.bucketSeconds < 1) {
    fields.push({ path: ['bucketSeconds'], message: 'must be a whole number of seconds, at least 1' });
  }
  if (window.to.getTime() <= window.from.getTime()) fields.push({ path: ['to'], message: 'must be after from' });
  if (!fields.length && bucketCount(window) > MAX_BUCKETS) {
    fields.push({ path: ['bucketSeconds'], message: `the window would have more than ${MAX_BUCKETS} buckets` });
  }
  if (fields.length) throw badUserInput(fields);
}

/** Buckets aligned to `from` covering [from, to), empty ones included with count 0. */
export function fillBuckets(window: SeriesWindow, rows: BucketRow[]) {
  const byIndex = new Map(rows.map((r) => [r.idx, r]));
  const step = window.bucketSeconds * 1000;
  return Array.from({ length: bucketCount(window) }, (_, i) => {
    const row = byIndex.get(i);
    return {
      start: new Date(window.from.getTime() + i * step),
      count: row?.count ?? 0,
      avg: row?.avg ?? null,
      min: row?.min ?? null,
      max: row?.max ?? null,
    };
  });
}
