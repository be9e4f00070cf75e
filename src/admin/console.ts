/**
 * How other modules add operator-console routes under /api/admin without reaching into this module:
 * the composition root hands their route functions to adminRoutes, which registers them inside its own
 * plugin, so the maintenance-terminal check, the privilege check and the audited refusals apply to
 * them exactly as to the routes here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../identity/index.ts';
import type { ApprovalRequest, JsonObject } from './dual-control.ts';
import type { Privilege } from './privileges.ts';

export interface ConsoleGuard {
  /** The signed-in user when they hold `privilege`; otherwise audited and refused (401 / 403 SHOMEI_FORBIDDEN). */
  require(request: FastifyRequest, privilege: Privilege): Promise<Principal>;
  /**
   * The same check as a preValidation hook, so who asks is settled before what they sent (401/403
   * before 400); the handler's own `require` then reuses its answer.
   */
  before(privilege: Privilege): (request: FastifyRequest) => Promise<void>;
  /** The signed-in user, whatever their roles; an anonymous attempt is audited and refused (401). */
  principal(request: FastifyRequest): Promise<Principal>;
  /** `principal` as a preValidation hook (dual-control requests check the kind's own roles). */
  signedIn(request: FastifyRequest): Promise<void>;
  /** Records a dual-control request by the signed-in user; the kind's own requester roles apply. */
  requestApproval(request: FastifyRequest, kind: string, payload: JsonObject): Promise<ApprovalRequest>;
  /** Appends a successful console action or read to the audit trail, with the user and address. */
  record(request: FastifyRequest, principal: Principal, type: string, details: JsonObject): Promise<void>;
}

export type ConsoleRoutes = (app: FastifyInstance, guard: ConsoleGuard) => Promise<void> | void;
