/** "PAST_DUE" → "Past due" */
export function humanize(value: string): string {
  const words = value
    .toLowerCase()
    .split(/[_\s]+/)
    .filter(Boolean)
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatMoney(cents: number, currency = 'USD'): string {
  const options: Intl.NumberFormatOptions = {
    style: 'currency',
    currency,
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
  };
  try {
    return new Intl.NumberFormat('en-US', options).format(cents / 100);
  } catch {
    return new Intl.NumberFormat('en-US', { ...options, currency: 'USD' }).format(cents / 100);
  }
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat('en-US').format(value);
}

/** DateTime scalars arrive as ISO strings. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
