/**
 * Reads a response body to its end and returns it as bytes, so that the request's wire slot can
 * be given back before the SDK parses it. The SDK's deserializers take a `Uint8Array` body as
 * read (`collectBody`). A body that is already bytes, a string or absent is returned as it is, as
 * is anything that cannot be iterated (a handler of the caller's own making).
 *
 * @param body - `HttpResponse.body`: a Node stream, a web `ReadableStream`, bytes or nothing
 * @example
 * ```ts
 * response.body = await bufferBody(response.body);
 * ```
 */
export async function bufferBody(body: unknown): Promise<unknown> {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) return body;
  if (typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function') return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<unknown>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}
