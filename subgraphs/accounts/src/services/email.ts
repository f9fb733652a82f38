/**
 * The one spelling of an email address that accounts stores and looks up: NFKC first, so
 * compatibility forms (full-width "ａlice@example.com") fold into the address they look like
 * and cannot register a second account, then lower case.
 */
export const normalizeEmail = (email: string): string => email.normalize('NFKC').trim().toLowerCase();
