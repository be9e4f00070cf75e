/** POST /tsa: application/timestamp-query in, application/timestamp-reply out (RFC 3161 section 3.4). */
import type { FastifyInstance } from 'fastify';
import { PKI_LIMITS } from '../pki/index.ts';
import { type EmbeddedTsa, rejection } from './timestamp-authority.ts';

export interface TsaRoutesOptions {
  readonly tsa: EmbeddedTsa;
}

export async function tsaRoutes(app: FastifyInstance, options: TsaRoutesOptions): Promise<void> {
  app.addContentTypeParser(
    'application/timestamp-query',
    { parseAs: 'buffer', bodyLimit: PKI_LIMITS.timestampQuery },
    (_request, body, done) => done(null, body),
  );
  app.post('/tsa', async (request, reply) => {
    const reply3161 = (der: Buffer) => reply.header('content-type', 'application/timestamp-reply').send(der);
    if (!Buffer.isBuffer(request.body)) {
      reply.status(415);
      return reply3161(rejection('badDataFormat', 'content type must be application/timestamp-query'));
    }
    return reply3161(await options.tsa.respond(request.body));
  });
  app.get('/tsa/certificate', async (_request, reply) =>
    reply.header('content-type', 'application/pkix-cert').send(await options.tsa.certificate()),
  );
}
