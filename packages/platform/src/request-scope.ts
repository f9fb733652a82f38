import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The request id of the request being served, for error masking and log lines. */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();
export const currentRequestId = (): string | undefined => requestScope.getStore()?.requestId;

/** Accept a caller's request id only if it is short and plain; otherwise make one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : randomUUID();
}
