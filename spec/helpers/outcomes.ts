// What a call that must fail failed with, for asserting on the error itself.

/** The reason `promise` rejected with; throws if it resolved. */
export async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject');
}

/** What `fn` threw; throws if it returned. */
export function thrown<E = unknown>(fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a throw');
}
