/**
 * `work`, or a rejection ("<what> did not finish within <ms> ms") once `ms` have passed: a
 * dependency that stops answering (a hung Redis or database, a job that never ends) must not hold
 * a request, a transaction or a shutdown forever. The work itself is left to finish; the timer is
 * always cleared, so it never keeps a process (or jest) alive. The one such race in the code base.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
