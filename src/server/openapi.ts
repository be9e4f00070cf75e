/**
 * The OpenAPI 3.1 document, generated from the routes themselves: @fastify/swagger collects every
 * route as it is registered, and each route's zod schemas (the same ones Fastify validates and
 * serialises with) become its parameters, bodies and responses. Served at /api/openapi.json.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

type Transform = ReturnType<typeof createJsonSchemaTransform>;

/** Areas of the API by path prefix, most specific first; a route's own `tags` take precedence. */
const AREAS: readonly (readonly [prefix: string, tag: string])[] = [
  ['/csc/', 'CSC API v2'],
  ['/oauth2/', 'CSC API v2'],
  ['/api/verify', 'verify'],
  ['/api/me/credentials', 'credentials'],
  ['/api/me/privileges', 'admin'],
  ['/api/credentials', 'credentials'],
  ['/api/admin', 'admin'],
  ['/api/auth', 'identity'],
  ['/api/users', 'identity'],
  ['/api/me', 'identity'],
  ['/api/applications', 'identity'],
  ['/dev/', 'development'],
  ['/api/environment', 'operations'],
  ['/api/openapi.json', 'operations'],
  ['/api/', 'contracts'],
  ['/pki/', 'trust services'],
  ['/tsa', 'trust services'],
  ['/healthz', 'operations'],
  ['/readyz', 'operations'],
  ['/metrics', 'operations'],
];

const TAGS = [
  {
    name: 'contracts',
    description: '電子契約: envelopes, templates, bulk send, records, API keys, webhooks',
  },
  { name: 'identity', description: 'Accounts, login, TOTP, passkeys, sessions, applications' },
  { name: 'credentials', description: 'Signing credentials and certificates (remote signature service)' },
  { name: 'CSC API v2', description: 'Cloud Signature Consortium API v2 and its OAuth 2.0 endpoints' },
  { name: 'admin', description: 'Administration, audit review and the operator console' },
  { name: 'verify', description: 'Public PDF signature verification' },
  {
    name: 'trust services',
    description: 'Embedded CA publication (certificates, CRL, OCSP) and the RFC 3161 TSA',
  },
  { name: 'operations', description: 'Health, readiness, metrics and environment' },
  { name: 'development', description: 'Development-only helpers (mail outbox)' },
  { name: 'web UI', description: 'The single-page application and its assets' },
];

export function areaOf(url: string): string {
  return AREAS.find(([prefix]) => url.startsWith(prefix))?.[1] ?? 'web UI';
}

function withArea(zodTransform: Transform): Transform {
  return (document) => {
    const result = zodTransform(document);
    const schema = (result.schema ?? {}) as Record<string, unknown>;
    if (schema.hide === true || Array.isArray(schema.tags)) return result;
    return { ...result, schema: { ...schema, tags: [areaOf(document.url)] } };
  };
}

export async function registerOpenApi(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'shomei API (署名)',
        version: '1',
        description:
          'E-contract service and remote signature service. Errors answer { error: { code: "SHOMEI_…", message: { ja, en } } }. Webhook deliveries carry X-Shomei-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">.',
      },
      servers: [{ url: publicUrl }],
      tags: TAGS,
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: '__Host-shomei_session' },
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'Tenant API key shk_<id>_<secret>; scopes envelopes:read, envelopes:write',
          },
          partySession: { type: 'apiKey', in: 'header', name: 'x-shomei-party' },
          cscToken: { type: 'http', scheme: 'bearer', description: 'CSC API access token (OAuth 2.0)' },
        },
      },
    },
    transform: withArea(createJsonSchemaTransform({ skipList: [] })),
  });
  const document = z
    .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) })
    .describe('This document (OpenAPI 3.1)');
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/openapi.json',
    { schema: { summary: 'The API described as OpenAPI 3.1', response: { 200: document } } },
    // swagger()'s type also covers Swagger 2.0; registered with `openapi` above, it is the 3.1 form.
    async () => app.swagger() as unknown as z.input<typeof document>,
  );
}
