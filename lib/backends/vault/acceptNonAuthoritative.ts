/** HTTP 203 Non-Authoritative Information: a proxy's transformed copy of a 200 answer. */
const NON_AUTHORITATIVE = 203;

/**
 * Turns node-vault's rejection of a 203 answer back into the body it carries, so a proxy or cache
 * in front of Vault that answers 203 reads like Vault's own 200. node-vault rejects every status
 * but 200 and 204, keeping the body (the secret, here) in `error.response.body`; any other
 * rejection is rethrown as is.
 *
 * @param error - what `client.read` rejected with
 * @returns the body of a 203 answer
 * @throws `error` itself for anything else
 *
 * @example
 * ```ts
 * const body = await client.read(path).catch(acceptNonAuthoritative);
 * ```
 */
export function acceptNonAuthoritative(error: unknown): unknown {
  const response = typeof error === 'object' && error !== null ? (error as { response?: unknown }).response : undefined;
  const { statusCode, body } = (typeof response === 'object' && response !== null ? response : {}) as {
    statusCode?: unknown;
    body?: unknown;
  };
  if (statusCode === NON_AUTHORITATIVE) return body;
  throw error;
}
