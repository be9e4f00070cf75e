/**
 * What senders and parties do to an envelope: send, cancel, decline, complete, delete, the parties'
 * changes, the three acts and opening a signing link. Registered by the contracts plugin (routes.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  noContentSchema,
  openLinkSchema,
  partySessionAnswerSchema,
  reasonSchema,
  reissuedAccessSchema,
  sendResultSchema,
  witnessConfirmationSchema,
  witnessSwitchSchema,
} from '../model/answers.ts';
import { envelopeViewSchema } from '../model/shapes.ts';
import { switchToWitness } from '../parties/party-mode.ts';
import type { ContractService } from '../service.ts';
import { approveSchema, signerSchema, witnessSchema } from '../signing/signing.ts';
import {
  envelopeInput,
  gatesOf,
  idParams,
  PARTY_HEADER,
  partyParams,
  type RouteAuth,
  security,
} from './route-auth.ts';

export function registerEnvelopeActionRoutes(
  app: FastifyInstance,
  contracts: ContractService,
  auth: RouteAuth,
): void {
  lifecycleRoutes(app, contracts, auth);
  partyRoutes(app, contracts, auth);
  actRoutes(app, contracts, auth);
}

/** Send, cancel, decline, complete and delete (the last four with the reason they need). */
function lifecycleRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const checked = { config: envelopeInput, preValidation: gatesOf(contracts, auth).authenticated };
  const send = { summary: 'Send (送信)', security, params: idParams, response: { 200: sendResultSchema } };
  api.post('/api/envelopes/:id/send', { schema: send, ...checked }, async (request) =>
    contracts.send(await auth.actorOf(request), request.params.id),
  );
  const closing = { security, params: idParams, body: reasonSchema, response: { 204: noContentSchema } };
  const close = (action: 'cancel' | 'decline' | 'delete', summary: string) =>
    api.post(
      `/api/envelopes/:id/${action}`,
      { schema: { summary, ...closing }, ...checked },
      async (request, reply) => {
        await contracts[action](await auth.actorOf(request), request.params.id, request.body);
        return reply.status(204).send(null);
      },
    );
  close('cancel', 'Cancel (取消) with a reason');
  close('decline', 'Decline (差戻し) as a party, with a reason');
  close('delete', 'Delete with a reason: a draft goes entirely, a record is shredded (訂正削除履歴)');
  const complete = {
    summary: 'Retry completion once every party has acted',
    security,
    params: idParams,
    response: { 200: envelopeViewSchema },
  };
  api.post('/api/envelopes/:id/complete', { schema: complete, ...checked }, async (request) =>
    contracts.complete(await auth.actorOf(request), request.params.id),
  );
}

/** The sender's changes to a party that has not acted. */
function partyRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const checked = { config: envelopeInput, preValidation: gatesOf(contracts, auth).authenticated };
  const remove = {
    summary: 'Remove a party',
    security,
    params: partyParams,
    response: { 200: envelopeViewSchema },
  };
  api.delete('/api/envelopes/:id/parties/:partyId', { schema: remove, ...checked }, async (request) =>
    contracts.removeParty(await auth.actorOf(request), request.params.id, request.params.partyId),
  );
  const witness = {
    summary: 'Switch a signer-type party to witness-type (立会人型)',
    security,
    params: partyParams,
    response: { 200: witnessSwitchSchema },
  };
  api.post(
    '/api/envelopes/:id/parties/:partyId/witness-type',
    { schema: witness, ...checked },
    async (request) =>
      switchToWitness(
        contracts.context,
        await auth.actorOf(request),
        request.params.id,
        request.params.partyId,
      ),
  );
  const reissue = {
    summary: 'A new access code and link for an outside party (再発行; the code is shown once)',
    security,
    params: partyParams,
    response: { 200: reissuedAccessSchema },
  };
  api.post('/api/envelopes/:id/parties/:partyId/reissue', { schema: reissue, ...checked }, async (request) =>
    contracts.reissueAccess(await auth.actorOf(request), request.params.id, request.params.partyId),
  );
}

/** Opening a signing link, what a witness-type party confirms, and the three acts. */
function actRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const open = {
    summary: "Open a signing link with its access code (a party session for the envelope's routes)",
    body: openLinkSchema,
    response: { 200: partySessionAnswerSchema },
  };
  api.post('/api/sign/open', { schema: open, config: envelopeInput }, async (request) => {
    const session = await contracts.openLink(request.body, request.ip);
    const { token: partyToken, envelopeId, partyId, expiresAt } = session;
    return { partyToken, envelopeId, partyId, expiresAt, header: PARTY_HEADER };
  });
  const confirmation = {
    summary: 'What a witness-type party confirms before the provider signs (ja/en)',
    security,
    params: idParams,
    response: { 200: witnessConfirmationSchema },
  };
  api.get(
    '/api/envelopes/:id/witness-confirmation',
    { schema: confirmation, config: envelopeInput, preValidation: gates.authenticated },
    async (request) => contracts.witnessConfirmation(await auth.actorOf(request), request.params.id),
  );
  const signing = { config: envelopeInput, preValidation: gates.signing };
  const answer = { params: idParams, security, response: { 200: envelopeViewSchema } };
  const witness = { summary: 'Sign as a witness-type party (立会人型)', body: witnessSchema, ...answer };
  api.post('/api/envelopes/:id/sign/witness', { schema: witness, ...signing }, async (request) =>
    contracts.act(await auth.actorOf(request), request.params.id, 'witness', request.body),
  );
  const signer = {
    summary: "Sign with the party's own certificate (当事者型)",
    body: signerSchema,
    ...answer,
  };
  api.post('/api/envelopes/:id/sign/signer', { schema: signer, ...signing }, async (request) =>
    contracts.act(await auth.actorOf(request), request.params.id, 'signer', request.body),
  );
  const approve = { summary: 'Approve (承認)', body: approveSchema, ...answer };
  api.post('/api/envelopes/:id/approve', { schema: approve, ...signing }, async (request) =>
    contracts.act(await auth.actorOf(request), request.params.id, 'approve', request.body),
  );
}
