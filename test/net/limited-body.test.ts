/**
 * An answer from outside (a CSC service, an OCSP responder, a CRL server) is read only up to a
 * limit: a server streaming without end, or announcing a huge body, is cut off with the caller's
 * own error instead of filling memory.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readLimitedBody } from '../../src/net/index.ts';

let server: Server;
let base: string;
let endlessChunks = 0;

before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/small') return void response.end('hello');
    if (request.url === '/announced') {
      response.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      return void response.write(Buffer.alloc(1024));
    }
    // Chunked, no length: keeps writing until the client goes away.
    response.writeHead(200);
    const timer = setInterval(() => {
      endlessChunks += 1;
      response.write(Buffer.alloc(16 * 1024));
    }, 1);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

class TooLarge extends Error {}
const tooLarge = () => new TooLarge('too large');

describe('readLimitedBody', () => {
  it('returns a body within the limit whole', async () => {
    const body = await readLimitedBody(await fetch(`${base}/small`), 1024, tooLarge);
    assert.equal(body.toString('utf8'), 'hello');
  });

  it('refuses a body whose announced length passes the limit before reading it', async () => {
    await assert.rejects(readLimitedBody(await fetch(`${base}/announced`), 64 * 1024, tooLarge), TooLarge);
  });

  it('cuts off an endless body as soon as it passes the limit', async () => {
    await assert.rejects(readLimitedBody(await fetch(`${base}/endless`), 256 * 1024, tooLarge), TooLarge);
    const seen = endlessChunks;
    assert.ok(seen >= 16, 'the limit, not an early end, stopped the read');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The server saw the client leave and stopped producing (a few writes may still be queued).
    assert.ok(endlessChunks - seen < 50, `server kept writing ${endlessChunks - seen} chunks`);
  });
});
