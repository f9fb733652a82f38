import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request id of the request being served, for log lines, in services that keep it in an
 * async scope (the subgraphs). The gateway does not: on Node 20 an AsyncLocalStorage in use costs
 * a hook on every promise of the process, so its request id travels in the context instead.
 */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();
export const currentRequestId = (): string | undefined => requestScope.getStore()?.requestId;

const requestIds = new WeakMap<object, string>();
/** Marks an error as raised while serving `requestId`: the error formatter names it when it masks the error. */
export function tagRequestId(error: unknown, requestId: string | undefined): void {
  if (requestId && typeof error === 'object' && error !== null && !requestIds.has(error)) requestIds.set(error, requestId);
}
/** The request id an error (or the error it wraps) was tagged with, else the async scope's. */
export function requestIdOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return currentRequestId();
  return requestIds.get(error) ?? requestIds.get((error as { originalError?: object }).originalError ?? {}) ?? currentRequestId();
}

const workerScope = new AsyncLocalStorage<string>();

/**
 * Run `work` as background work (outbox relay, stream consumer, job), outside any request even
 * when a request woke it: its log lines name the worker, not a request, and per-request
 * statement counts in tests leave it out.
 */
export const inBackground = <T>(worker: string, work: () => T): T => workerScope.run(worker, () => requestScope.exit(work));
export const currentWorker = (): string | undefined => workerScope.getStore();

/** Accept a caller's request id only if it is short and plain; otherwise make one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : randomUUID();
}

/** Epoch ms after which the gateway no longer waits for a subgraph's answer: writes still open then roll back. */
export const DEADLINE_HEADER = 'x-lattice-deadline';

/** A deadline header's value (epoch ms), or undefined when absent or not a plausible time. */
export function deadlineFrom(header: string | string[] | undefined): number | undefined {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
