/** The OpenAPI 3.1 document for /api/envelopes/… (served at /api/openapi.json). */
import { workflowPaths, workflowSchemas } from './openapi-workflow.ts';
import { recordsOpenApiPaths } from './records-openapi.ts';

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function op(summary: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    summary,
    security: [{ session: [] }, { apiKey: [] }, { partySession: [] }],
    responses: {
      '200': { description: 'OK' },
      '400': { description: 'Bad input', ...json(error) },
      '404': { description: 'Not found', ...json(error) },
    },
    ...extra,
  };
}

export function contractsOpenApi(publicUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'shomei e-contract API (電子契約 API)',
      version: '1',
      description:
        'Envelopes with PDF documents, signer-type (当事者型) and witness-type (立会人型) signing, evidence and 電子帳簿保存法 search. Webhook deliveries carry X-Shomei-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">.',
    },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: '__Host-shomei_session' },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Tenant API key shk_<id>_<secret>; scopes envelopes:read, envelopes:write',
        },
        partySession: { type: 'apiKey', in: 'header', name: 'x-shomei-party' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { type: 'string' },
                message: { type: 'object', properties: { ja: { type: 'string' }, en: { type: 'string' } } },
              },
            },
          },
        },
        Party: {
          type: 'object',
          required: ['role'],
          properties: {
            role: { enum: ['signer', 'approver', 'viewer'] },
            signingMode: { enum: ['signer-type', 'witness-type'] },
            userId: { type: 'string' },
            email: { type: 'string', format: 'email' },
            company: { type: 'string', maxLength: 200 },
            title: { type: 'string', maxLength: 100 },
            name: { type: 'string', maxLength: 100 },
            order: { type: 'integer', minimum: 1 },
            credentialId: { type: 'string' },
            placement: {
              type: 'object',
              properties: {
                document: { type: 'integer' },
                page: { type: 'integer' },
                rect: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
              },
            },
            accessCode: { type: 'string', minLength: 8, maxLength: 64 },
            label: {
              type: 'string',
              maxLength: 20,
              description: '甲, 乙, 丙 … shown in mails and the certificate',
            },
          },
        },
        ...workflowSchemas,
        EnvelopeInput: {
          type: 'object',
          required: ['title', 'counterparty', 'parties'],
          properties: {
            title: { type: 'string', maxLength: 200 },
            counterparty: { type: 'string', maxLength: 200 },
            transactionDate: { type: 'string', format: 'date' },
            amount: { type: 'integer', minimum: 0 },
            currency: { enum: ['JPY', 'USD', 'EUR'] },
            signingOrder: { enum: ['sequential', 'parallel'] },
            expiresAt: { type: 'string', format: 'date-time' },
            message: { type: 'string', maxLength: 2000 },
            parties: {
              type: 'array',
              items: { $ref: '#/components/schemas/Party' },
              minItems: 1,
              maxItems: 20,
            },
          },
        },
      },
    },
    paths: {
      ...workflowPaths(),
      '/api/envelopes': {
        post: op('Create an envelope (draft)', {
          requestBody: json({ $ref: '#/components/schemas/EnvelopeInput' }),
        }),
        get: op(
          'Search (電子帳簿保存法): transactionDateFrom/To, amountMin/Max, counterparty, counterpartyMatch, title, status, limit, cursor',
          {
            parameters: [
              'transactionDateFrom',
              'transactionDateTo',
              'amountMin',
              'amountMax',
              'counterparty',
              'counterpartyMatch',
              'title',
              'status',
              'limit',
              'cursor',
            ].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          },
        ),
      },
      '/api/envelopes/{id}': { get: op('Envelope with parties and documents', { parameters: [id] }) },
      '/api/envelopes/{id}/documents': {
        post: op('Upload a PDF (body application/pdf; ?name=)', {
          parameters: [id, { name: 'name', in: 'query', schema: { type: 'string' } }],
          requestBody: { content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } },
        }),
      },
      '/api/envelopes/{id}/documents/{documentId}': {
        get: op('Download the current PDF', {
          parameters: [id, { name: 'documentId', in: 'path', required: true, schema: { type: 'string' } }],
        }),
      },
      '/api/envelopes/{id}/send': {
        post: op('Send: notifies parties; returns generated access codes once', { parameters: [id] }),
      },
      '/api/envelopes/{id}/cancel': { post: op('Cancel with {reason}', { parameters: [id] }) },
      '/api/envelopes/{id}/decline': { post: op('Decline with {reason} (a party)', { parameters: [id] }) },
      '/api/envelopes/{id}/parties/{partyId}': {
        delete: op('Remove a party who has not acted', {
          parameters: [id, { name: 'partyId', in: 'path', required: true, schema: { type: 'string' } }],
        }),
      },
      '/api/envelopes/{id}/witness-confirmation': {
        get: op('The confirmation text and document hashes for witness-type signing', { parameters: [id] }),
      },
      '/api/envelopes/{id}/sign/witness': {
        post: op('Witness-type signature: {confirmed: true, lang, documentSha256: []}', { parameters: [id] }),
      },
      '/api/envelopes/{id}/sign/signer': {
        post: op('Signer-type signature: {pin, otp, documentSha256: []}', { parameters: [id] }),
      },
      '/api/envelopes/{id}/approve': { post: op('Approval: {documentSha256: []}', { parameters: [id] }) },
      '/api/envelopes/{id}/complete': { post: op('Retry completion after a failure', { parameters: [id] }) },
      '/api/envelopes/{id}/evidence': {
        get: op('Evidence package (signed PDFs, certificate of completion, audit extract)', {
          parameters: [id],
        }),
      },
      '/api/envelopes/{id}/timeline': {
        get: op(
          'Timeline from the audit trail: {events: [{time, type, outcome, actor, ip, party, document}]}',
          {
            parameters: [id],
          },
        ),
      },
      '/api/envelopes/{id}/certificate-of-completion': {
        get: op('Certificate of completion (合意締結証明書) as a PDF; 409 until completed', {
          parameters: [id],
        }),
      },
      '/api/envelopes/{id}/delete': { post: op('Delete (crypto-shred) with {reason}', { parameters: [id] }) },
      '/api/envelopes/{id}/legal-hold': { post: op('Set or clear legal hold: {hold}', { parameters: [id] }) },
      '/api/sign/open': {
        post: op('Open an e-mailed link with its access code: {token, accessCode} → party session'),
      },
      '/api/contracts/api-keys': {
        post: op('Create an API key acting as you within {scopes} (tenant administrators); shown once'),
        get: op('Your API keys, or every key of the tenant for an administrator (no secrets)'),
      },
      '/api/contracts/api-keys/{id}': {
        delete: op('Revoke an API key (its creator or a tenant administrator)', { parameters: [id] }),
      },
      '/api/contracts/webhooks': {
        post: op('Register a webhook at a public address: {url} → {id, secret} (tenant administrators)'),
        get: op('The tenant’s webhooks (tenant administrators)'),
      },
      '/api/contracts/webhooks/{id}': {
        delete: op('Delete a webhook (tenant administrators)', { parameters: [id] }),
      },
      '/api/contracts/retention': {
        put: op('Set the tenant retention in years, 7–100 (tenant administrators): {years}'),
      },
      ...recordsOpenApiPaths(),
    },
  };
}
