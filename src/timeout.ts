/** Promise deadlines. */

/**
 * Races `promise` against a timer of `ms` milliseconds (none if `ms` is not positive); on
 * expiry rejects with `timeoutError()`. The timer is cleared either way.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  timeoutError: () => Error,
): Promise<T> {
  if (!(ms > 0)) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
