/**
 * What every contract route file shares: how a request's actor is found, the gates that settle who
 * calls before Fastify checks the input (401/403 before 400, as the handlers did by hand), and the
 * common parameters.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { requireTenantAdmin } from '../parties/permissions.ts';
import type { ContractService } from '../service.ts';
import { templateActor } from '../workflow/templates.ts';

export interface RouteAuth {
  actorOf(request: FastifyRequest): Promise<ContractActor>;
  /** Acts through an account need an MFA (AAL2) session; API keys may not act. */
  requireMfa(request: FastifyRequest, actor: ContractActor): void;
}

/** The header that carries a party session (from POST /api/sign/open). */
export const PARTY_HEADER = 'x-shomei-party';

export const idParams = z.object({ id: z.string() });
export const partyParams = z.object({ id: z.string(), partyId: z.string() });
export const security: { [scheme: string]: string[] }[] = [
  { session: [] },
  { apiKey: [] },
  { partySession: [] },
];
/** Schema refusals answer SHOMEI_ENVELOPE_INVALID naming the field, as the service's own parsing does. */
export const envelopeInput = { invalidInput: contractErrors.invalid };

export type Gate = (request: FastifyRequest) => Promise<void>;

/** preValidation gates, each settling the caller once per request (auth.actorOf remembers it). */
export function gatesOf(contracts: ContractService, auth: RouteAuth) {
  const gate = (check: (request: FastifyRequest, actor: ContractActor) => unknown): Gate => {
    return async (request) => void (await check(request, await auth.actorOf(request)));
  };
  return {
    /** Any caller the contract routes know: a session, an API key or a party session. */
    authenticated: gate(() => undefined),
    /** A party's act: an MFA session or a party session. */
    signing: gate((request, actor) => auth.requireMfa(request, actor)),
    /** Tenant settings: the tenant administrator's own session. */
    tenantAdmin: gate((_request, actor) => requireTenantAdmin(contracts.context, actor)),
    /** A template's use: someone of the tenant who may send envelopes. */
    templateWriter: gate((_request, actor) => templateActor(actor, 'write')),
  };
}

/**
 * An upload whose body is the PDF itself (Content-Type: application/pdf, parsed to a Buffer by the
 * plugin's content-type parser); anything else answers the typed not-a-PDF error, as before.
 */
export const pdfUpload = {
  body: z
    .custom<Buffer>((body) => Buffer.isBuffer(body), 'not a PDF body')
    .meta({ type: 'string', format: 'binary', description: 'The PDF file' }),
  consumes: ['application/pdf'],
  querystring: z.object({
    name: z.string().default('document.pdf').describe("The document's file name"),
  }),
};
export const pdfUploadInput = {
  invalidInput: () => contractErrors.notPdf('send the file with Content-Type: application/pdf'),
};
