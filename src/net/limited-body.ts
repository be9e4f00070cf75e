/**
 * A response body read up to a limit: a server that sends more (or says it will) is cut off as
 * soon as it passes the limit, so an answer from outside never fills memory. `tooLarge` makes the
 * caller's own error (the CSC client's and the revocation fetcher's differ).
 */
export async function readLimitedBody(
  response: Response,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge();
  const reader = response.body?.getReader();
  if (reader === undefined) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
