/** OpenAPI entries of templates, bulk send, reminders and internal approval (merged into openapi.ts). */

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = {
  '400': {
    description: 'Bad input (SHOMEI_TEMPLATE_INVALID, SHOMEI_ENVELOPE_INVALID, SHOMEI_BAD_REQUEST)',
    ...json(error),
  },
  '404': { description: 'Not found (SHOMEI_TEMPLATE_NOT_FOUND, SHOMEI_ENVELOPE_NOT_FOUND)', ...json(error) },
};

function op(
  summary: string,
  extra: Record<string, unknown> = {},
  responses: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    summary,
    security: [{ session: [] }, { apiKey: [] }],
    responses: { '200': { description: 'OK' }, ...errors, ...responses },
    ...extra,
  };
}

const placement = {
  type: 'object',
  required: ['page', 'rect'],
  properties: {
    document: { type: 'integer', minimum: 0 },
    page: { type: 'integer', minimum: 0 },
    rect: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
  },
};

const reminders = {
  type: 'object',
  required: ['intervalDays', 'maxReminders'],
  additionalProperties: false,
  properties: {
    intervalDays: { type: 'integer', minimum: 1, maximum: 90 },
    maxReminders: { type: 'integer', minimum: 0, maximum: 20, description: '0 turns reminders off' },
  },
};

const envelopeFields = {
  title: { type: 'string', maxLength: 200 },
  counterparty: { type: 'string', maxLength: 200 },
  transactionDate: { type: 'string', format: 'date' },
  amount: { type: 'integer', minimum: 0 },
  message: { type: 'string', maxLength: 2000 },
};

export const workflowSchemas: Record<string, unknown> = {
  Reminders: reminders,
  TemplateSlot: {
    type: 'object',
    required: ['label', 'role'],
    additionalProperties: false,
    properties: {
      label: { type: 'string', maxLength: 20, description: '甲, 乙, 丙 … unique in the template' },
      role: { enum: ['signer', 'approver', 'viewer'] },
      signingMode: { enum: ['signer-type', 'witness-type'], description: 'signers only' },
      order: { type: 'integer', minimum: 1, maximum: 100 },
      placement,
      userId: { type: 'string', description: 'a fixed party; otherwise the slot is filled per envelope' },
      credentialId: { type: 'string' },
    },
  },
  TemplateInput: {
    type: 'object',
    required: ['name', 'title', 'slots'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', maxLength: 200 },
      title: { type: 'string', maxLength: 200 },
      counterparty: { type: 'string', maxLength: 200 },
      message: { type: 'string', maxLength: 2000 },
      currency: { enum: ['JPY', 'USD', 'EUR'] },
      signingOrder: { enum: ['sequential', 'parallel'] },
      expiresInDays: { type: 'integer', minimum: 1, maximum: 365 },
      reminders: ref('Reminders'),
      internalApprovers: {
        type: 'array',
        items: { type: 'string' },
        maxItems: 10,
        description:
          'users of the tenant who approve every envelope from this template before it is sent (社内承認)',
      },
      slots: { type: 'array', items: ref('TemplateSlot'), minItems: 1, maxItems: 20 },
    },
  },
  SlotFill: {
    type: 'object',
    additionalProperties: false,
    properties: {
      userId: { type: 'string' },
      email: { type: 'string', format: 'email' },
      name: { type: 'string', maxLength: 100 },
      company: { type: 'string', maxLength: 200 },
      title: { type: 'string', maxLength: 100 },
      accessCode: { type: 'string', minLength: 8, maxLength: 64 },
    },
  },
  FromTemplateInput: {
    type: 'object',
    required: ['parties'],
    additionalProperties: false,
    properties: {
      ...envelopeFields,
      parties: {
        type: 'object',
        additionalProperties: ref('SlotFill'),
        description: 'slot label → party, for every slot without a fixed party',
      },
      reminders: ref('Reminders'),
      send: { type: 'boolean', default: false },
    },
  },
  BulkSendInput: {
    type: 'object',
    required: ['rows'],
    additionalProperties: false,
    properties: {
      rows: {
        type: 'array',
        minItems: 1,
        description:
          'at most the configured maximum (default 500); more is refused with 413 SHOMEI_BULK_TOO_LARGE',
        items: {
          type: 'object',
          required: ['email', 'name'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', format: 'email' },
            name: { type: 'string', maxLength: 100 },
            company: { type: 'string', maxLength: 200 },
            title: { type: 'string', maxLength: 100 },
            accessCode: { type: 'string', minLength: 8, maxLength: 64 },
            fields: { type: 'object', additionalProperties: false, properties: envelopeFields },
          },
        },
      },
      slot: {
        type: 'string',
        description: "the slot each row fills; default: the template's only open slot",
      },
      reminders: ref('Reminders'),
    },
  },
  BulkQueued: {
    type: 'object',
    properties: {
      jobId: { type: 'string' },
      templateId: { type: 'string' },
      status: { enum: ['queued'] },
      total: { type: 'integer' },
    },
  },
  BulkJob: {
    type: 'object',
    properties: {
      jobId: { type: 'string' },
      templateId: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      status: { enum: ['queued', 'running', 'done'] },
      total: { type: 'integer' },
      done: { type: 'integer', description: 'rows with an outcome so far' },
      created: { type: 'integer' },
      failed: { type: 'integer' },
      accessCodes: {
        enum: ['ready', 'taken', 'none'],
        description: 'ready: the sender may take them once (POST …/access-codes)',
      },
      finishedAt: { type: ['string', 'null'] },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            index: { type: 'integer' },
            email: { type: ['string', 'null'] },
            envelopeId: { type: 'string' },
            status: { enum: ['sent', 'awaiting-approval'] },
            error: error,
          },
        },
      },
    },
  },
  BulkAccessCodes: {
    type: 'object',
    properties: {
      jobId: { type: 'string' },
      codes: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            index: { type: 'integer' },
            email: { type: 'string' },
            accessCode: { type: 'string' },
          },
        },
      },
    },
  },

  ApprovalStatus: {
    type: 'object',
    properties: {
      envelopeId: { type: 'string' },
      round: { type: 'integer' },
      status: { enum: ['none', 'pending', 'approved', 'rejected'] },
      approvers: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            userId: { type: 'string' },
            status: { enum: ['pending', 'approved', 'rejected', 'withdrawn'] },
            decidedAt: { type: ['string', 'null'] },
            reason: { type: ['string', 'null'] },
          },
        },
      },
      envelope: { type: 'object' },
    },
  },
};

const conflict = (codes: string) => ({ '409': { description: codes, ...json(error) } });

export function workflowPaths(): Record<string, unknown> {
  return {
    '/api/templates': {
      post: op(
        'Create a template (テンプレート)',
        { requestBody: json(ref('TemplateInput')) },
        { '201': { description: 'Created' } },
      ),
      get: op("The tenant's templates"),
    },
    '/api/templates/{id}': {
      get: op('A template with its slots and documents', { parameters: [id] }),
      put: op('Replace the definition (the documents stay)', {
        parameters: [id],
        requestBody: json(ref('TemplateInput')),
      }),
      delete: op(
        'Delete the template; its PDFs are crypto-shredded',
        { parameters: [id] },
        { '204': { description: 'Deleted' } },
      ),
    },
    '/api/templates/{id}/documents': {
      post: op('Add a PDF (body application/pdf; ?name=)', {
        parameters: [id, { name: 'name', in: 'query', schema: { type: 'string' } }],
        requestBody: { content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } },
      }),
    },
    '/api/templates/{id}/envelopes': {
      post: op(
        'An envelope from the template: fill the open slots; send at once with send: true, or wait for the template’s internal approvers',
        { parameters: [id], requestBody: json(ref('FromTemplateInput')) },
        {
          '201': { description: '{envelope, accessCodes, approval?}' },
          ...conflict('SHOMEI_APPROVAL_PENDING'),
        },
      ),
    },
    '/api/templates/{id}/bulk-send': {
      post: op(
        'Bulk send (一括送信): queues a job that makes one envelope per row, each sent (or put up for internal approval); answers at once',
        { parameters: [id], requestBody: json(ref('BulkSendInput')) },
        {
          '202': { description: 'Queued; poll GET /api/bulk-jobs/{id}', ...json(ref('BulkQueued')) },
          '413': { description: 'SHOMEI_BULK_TOO_LARGE', ...json(error) },
          '429': {
            description: 'SHOMEI_BULK_BUSY: too many of the sender’s jobs in progress',
            ...json(error),
          },
        },
      ),
    },
    '/api/bulk-jobs/{id}': {
      get: op(
        'A bulk job: progress and the outcome of each row so far (no access codes)',
        { parameters: [id] },
        {
          '200': { description: 'The job', ...json(ref('BulkJob')) },
        },
      ),
    },
    '/api/bulk-jobs/{id}/access-codes': {
      post: op(
        "The job's access codes, served once to its sender when the job is done; then wiped",
        { parameters: [id] },
        {
          '200': { description: 'The codes', ...json(ref('BulkAccessCodes')) },
          '409': { description: 'SHOMEI_BULK_RUNNING', ...json(error) },
          '410': { description: 'SHOMEI_BULK_CODES_TAKEN', ...json(error) },
        },
      ),
    },
    '/api/envelopes/{id}/remind': {
      post: op(
        'Remind now: mails every party whose turn it is and who has not acted (the sender)',
        { parameters: [id] },
        conflict('SHOMEI_REMINDER_NOT_POSSIBLE (not sent, expired or nobody waiting)'),
      ),
    },
    '/api/envelopes/{id}/reminders': {
      put: op('Reminder settings of the envelope', { parameters: [id], requestBody: json(ref('Reminders')) }),
    },
    '/api/contracts/reminders': {
      put: op("The tenant's default reminder settings", { requestBody: json(ref('Reminders')) }),
    },
    '/api/envelopes/{id}/internal-approval': {
      post: op(
        'Request internal approval (社内承認) of a draft: {approvers: [userId]} (users of the own tenant, not the sender)',
        {
          parameters: [id],
          requestBody: json({
            type: 'object',
            required: ['approvers'],
            properties: {
              approvers: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 10 },
            },
          }),
        },
        {
          '201': { description: 'Requested', ...json(ref('ApprovalStatus')) },
          ...conflict('SHOMEI_APPROVAL_PENDING'),
        },
      ),
      get: op('Approval state with the draft (the sender and the named approvers)', { parameters: [id] }),
    },
    '/api/envelopes/{id}/internal-approval/documents/{documentId}': {
      get: op('A document of the draft for an approver to review', {
        parameters: [id, { name: 'documentId', in: 'path', required: true, schema: { type: 'string' } }],
      }),
    },
    '/api/envelopes/{id}/internal-approval/approve': {
      post: op(
        'Approve as an internal approver (MFA session): {documentSha256: []}',
        { parameters: [id] },
        conflict('SHOMEI_APPROVAL_NOT_REQUESTED, SHOMEI_ENVELOPE_CONFLICT (documents changed)'),
      ),
    },
    '/api/envelopes/{id}/internal-approval/reject': {
      post: op(
        'Reject as an internal approver (MFA session): {reason}; the draft goes back to the sender',
        { parameters: [id] },
        conflict('SHOMEI_APPROVAL_NOT_REQUESTED'),
      ),
    },
  };
}
