/**
 * HTTP publication of the embedded CA: CA certificates (/pki/ca/<name>.crt), CRLs
 * (/pki/crl/<name>.crl) and the OCSP responder (/pki/ocsp, POST and GET per RFC 6960 appendix A).
 */
import { OCSPResponseStatus } from '@peculiar/asn1-ocsp';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PKI_LIMITS } from '../pki/index.ts';
import type { CertificateAuthority } from './certificate-authority.ts';
import { ocspError } from './ocsp-responder.ts';
import type { AuthorityName } from './types.ts';

export interface CaRoutesOptions {
  readonly ca: CertificateAuthority;
}

const AUTHORITY = /^(root|issuing)\.(crt|crl)$/;

function notFound(reply: FastifyReply): FastifyReply {
  return reply.status(404).send({
    error: { code: 'SHOMEI_NOT_FOUND', message: { ja: '見つかりません。', en: 'Not found.' } },
  });
}

export async function caRoutes(app: FastifyInstance, options: CaRoutesOptions): Promise<void> {
  const { ca } = options;
  app.addContentTypeParser(
    'application/ocsp-request',
    { parseAs: 'buffer', bodyLimit: PKI_LIMITS.ocspRequest },
    (_request, body, done) => done(null, body),
  );

  app.get<{ Params: { file: string } }>('/pki/ca/:file', async (request, reply) => {
    const match = AUTHORITY.exec(request.params.file);
    if (match === null || match[2] !== 'crt') return notFound(reply);
    const der = await ca.certificate(match[1] as AuthorityName);
    return reply
      .header('content-type', 'application/pkix-cert')
      .header('cache-control', 'max-age=86400')
      .send(der);
  });

  app.get<{ Params: { file: string } }>('/pki/crl/:file', async (request, reply) => {
    const match = AUTHORITY.exec(request.params.file);
    if (match === null || match[2] !== 'crl') return notFound(reply);
    const der = await ca.crl(match[1] as AuthorityName);
    return reply
      .header('content-type', 'application/pkix-crl')
      .header('cache-control', 'max-age=300')
      .send(der);
  });

  const sendOcsp = (reply: FastifyReply, der: Buffer): FastifyReply =>
    reply.header('content-type', 'application/ocsp-response').header('cache-control', 'no-cache').send(der);

  app.post('/pki/ocsp', async (request, reply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      // Wrong content type: the protocol's own answer is an unsigned malformedRequest.
      return sendOcsp(reply.status(400), ocspError(OCSPResponseStatus.malformedRequest));
    }
    return sendOcsp(reply, await ca.respondOcsp(body));
  });

  app.get<{ Params: { '*': string } }>('/pki/ocsp/*', async (request, reply) => {
    const encoded = request.params['*'];
    // base64 of at most ocspRequest bytes, possibly URL-encoded.
    if (encoded.length > PKI_LIMITS.ocspRequest * 2) {
      return sendOcsp(reply.status(400), ocspError(OCSPResponseStatus.malformedRequest));
    }
    let text: string;
    try {
      text = decodeURIComponent(encoded);
    } catch {
      return sendOcsp(reply.status(400), ocspError(OCSPResponseStatus.malformedRequest));
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
      return sendOcsp(reply.status(400), ocspError(OCSPResponseStatus.malformedRequest));
    }
    return sendOcsp(reply, await ca.respondOcsp(Buffer.from(text, 'base64')));
  });
}
