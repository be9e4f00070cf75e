/** OpenAPI paths for imports, the correction and deletion log, tenant permissions and the export. */

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const query = (names: readonly string[]) =>
  names.map((name) => ({ name, in: 'query', schema: { type: 'string' } }));

function op(summary: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    summary,
    security: [{ session: [] }, { apiKey: [] }],
    responses: {
      '200': { description: 'OK' },
      '400': { description: 'Bad input', ...json(error) },
      '403': { description: 'Not permitted', ...json(error) },
      '404': { description: 'Not found', ...json(error) },
    },
    ...extra,
  };
}

const importMetadata = {
  type: 'object',
  required: ['title', 'counterparty', 'transactionDate', 'amount'],
  properties: {
    title: { type: 'string', maxLength: 200 },
    counterparty: { type: 'string', maxLength: 200 },
    transactionDate: { type: 'string', format: 'date' },
    amount: { type: 'integer', minimum: 0 },
    currency: { enum: ['JPY', 'USD', 'EUR'] },
    source: { enum: ['electronic', 'paper-scan'] },
    documentName: { type: 'string', maxLength: 200 },
    note: { type: 'string', maxLength: 2000 },
    parties: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, company: { type: 'string' }, email: { type: 'string' } },
      },
    },
    trustAnchors: {
      type: 'array',
      maxItems: 10,
      items: { type: 'string', description: 'PEM certificate trusted for this document' },
    },
  },
};

export function recordsOpenApiPaths(): Record<string, unknown> {
  return {
    '/api/imports': {
      post: op(
        'Import a contract signed elsewhere or a scanned paper contract (取込): JSON {…metadata, pdfBase64} or application/pdf with the metadata as query parameters. Signatures and document timestamps are validated and the report stored; an unsigned PDF is recorded as signatureStatus "none". Encrypted or malformed PDFs are refused (SHOMEI_PDF_ENCRYPTED, SHOMEI_DOCUMENT_NOT_PDF, SHOMEI_PDF_MALFORMED), too large ones with SHOMEI_INPUT_TOO_LARGE.',
        {
          parameters: query([
            'title',
            'counterparty',
            'transactionDate',
            'amount',
            'currency',
            'source',
            'documentName',
          ]),
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  allOf: [
                    importMetadata,
                    {
                      type: 'object',
                      required: ['pdfBase64'],
                      properties: { pdfBase64: { type: 'string' } },
                    },
                  ],
                },
              },
              'application/pdf': { schema: { type: 'string', format: 'binary' } },
            },
          },
        },
      ),
    },
    '/api/imports/{id}': {
      get: op('Imported record with its stored validation report', {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      }),
    },
    '/api/corrections': {
      post: op(
        'Correct search metadata with a reason (訂正): {recordId, reason, changes: {title?, counterparty?, transactionDate?, amount?}}; the sender/importer or a tenant administrator',
        {
          requestBody: json({
            type: 'object',
            required: ['recordId', 'reason', 'changes'],
            properties: {
              recordId: { type: 'string' },
              reason: { type: 'string', minLength: 1, maxLength: 1000 },
              changes: {
                type: 'object',
                properties: {
                  title: { type: 'string' },
                  counterparty: { type: 'string' },
                  transactionDate: { type: ['string', 'null'], format: 'date' },
                  amount: { type: ['integer', 'null'], minimum: 0 },
                },
              },
            },
          }),
        },
      ),
      get: op(
        'Search the append-only correction and deletion log (訂正削除の履歴), newest first: from, to (date or date-time), recordId, userId, kind, limit, cursor; tenantId for auditors. Tenant administrators, holders of corrections.read, and system auditors',
        { parameters: query(['from', 'to', 'recordId', 'userId', 'kind', 'tenantId', 'limit', 'cursor']) },
      ),
    },
    '/api/contracts/permissions': {
      get: op('Tenant permissions (tenant administrator)'),
      put: op(
        'Grant or revoke a permission of a user of the same tenant: {userId, permission: tenant.admin | documents.read_all | corrections.read, granted}',
      ),
    },
    '/api/contracts/export': {
      get: op(
        "Full export of the tenant (tenant administrator): a ZIP with every record's latest PDF, metadata.json, validation.json, certificate-of-completion.json, audit.json and manifest.json (SHA-256 of every file; deleted records listed without content)",
        {
          responses: {
            '200': {
              description: 'ZIP',
              content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
            },
            '403': { description: 'Not permitted', ...json(error) },
          },
        },
      ),
    },
  };
}
