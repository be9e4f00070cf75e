/**
 * The RA queue: an application for a signer or e-seal certificate waits until an RA operator, who
 * is not the person who submitted it, approves it (the certificate is issued in the same step) or
 * rejects it. Both outcomes are recorded in the table and in the audit trail.
 */
import { randomUUID } from 'node:crypto';
import type { AuditActor, AuditTrail } from '../audit/events.ts';
import { shomeiError } from '../errors/index.ts';
import { buildName, csrPublicKey, csrSignatureValid, parseCsr, publicKeySha256 } from '../pki/index.ts';
import type { CertificateAuthority } from './certificate-authority.ts';
import { toIssuedCertificate } from './certificate-authority.ts';
import { caErrors } from './errors.ts';
import type { CaApplicationTable } from './tables.ts';
import {
  type ApplicationParty,
  type ApplicationStatus,
  type Delegation,
  IDENTITY_CHECK_METHODS,
  type IssuedCertificate,
  type SignerApplication,
  type SignerApplicationInput,
} from './types.ts';

const MAX_TEXT = 512;

function text(field: string, value: unknown, required = true): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_TEXT) {
    throw caErrors.invalidInput(field, `text of 1..${MAX_TEXT} characters`);
  }
  return value;
}

function party(field: string, value: ApplicationParty | undefined): ApplicationParty {
  if (value === undefined || typeof value !== 'object') throw caErrors.invalidInput(field, 'required');
  const organisation = text(`${field}.organisation`, value.organisation, false);
  const email = text(`${field}.email`, value.email, false);
  const userId = text(`${field}.userId`, value.userId, false);
  return {
    name: text(`${field}.name`, value.name)!,
    organisation,
    email,
    userId,
  };
}

function actorId(actor: AuditActor): string {
  return `${actor.kind}:${actor.id}`;
}

function toApplication(row: CaApplicationTable): SignerApplication {
  return {
    id: row.id,
    status: row.status,
    profile: row.profile as SignerApplication['profile'],
    subject: JSON.parse(row.subject),
    altNames: JSON.parse(row.alt_names),
    applicant: JSON.parse(row.applicant),
    identityCheck: {
      method: row.identity_check_method as SignerApplication['identityCheck']['method'],
      reference: row.identity_check_reference,
    },
    ...(row.delegation === null ? {} : { delegation: JSON.parse(row.delegation) as Delegation }),
    publicKeySha256: row.public_key_sha256,
    submittedAt: new Date(row.submitted_at),
    submittedBy: row.submitted_by,
    ...(row.decided_at === null ? {} : { decidedAt: new Date(row.decided_at) }),
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by }),
    ...(row.decision_reason === null ? {} : { decisionReason: row.decision_reason }),
    ...(row.certificate_serial === null ? {} : { certificateSerial: row.certificate_serial }),
  };
}

const notPending = (id: string, status: string) =>
  shomeiError(
    'SHOMEI_RA_NOT_PENDING',
    `申請 ${id} は審査待ちではありません (${status})。`,
    `Application ${id} is not pending (${status}).`,
    { status: 409, details: { id, status } },
  );

export class RegistrationAuthority {
  constructor(
    private readonly ca: CertificateAuthority,
    private readonly auditTrail?: AuditTrail,
  ) {}

  /** Records an application after checking its fields and its CSR (signature, and a usable name). */
  async apply(input: SignerApplicationInput): Promise<SignerApplication> {
    if (input.profile !== 'signer' && input.profile !== 'e-seal')
      throw caErrors.invalidInput('profile', 'signer or e-seal');
    buildName(input.subject);
    if (input.profile === 'e-seal' && !input.subject.some((a) => a.type === 'O')) {
      throw caErrors.invalidInput('subject', 'an e-seal names its organisation (O)');
    }
    const applicant = party('applicant', input.applicant);
    if (!(IDENTITY_CHECK_METHODS as readonly string[]).includes(input.identityCheck?.method)) {
      throw caErrors.invalidInput('identityCheck.method', IDENTITY_CHECK_METHODS.join(', '));
    }
    const reference = text('identityCheck.reference', input.identityCheck.reference)!;
    const delegation =
      input.delegation === undefined
        ? undefined
        : {
            principal: party('delegation.principal', input.delegation.principal),
            signingAgent: party('delegation.signingAgent', input.delegation.signingAgent),
            mandateReference: text('delegation.mandateReference', input.delegation.mandateReference)!,
          };
    const csr = parseCsr(input.csr);
    if (!csrSignatureValid(csr)) throw caErrors.csrSignatureInvalid();
    const row: CaApplicationTable = {
      id: randomUUID(),
      status: 'pending',
      profile: input.profile,
      subject: JSON.stringify(input.subject.map((a) => ({ type: a.type, value: a.value }))),
      alt_names: JSON.stringify(input.altNames ?? {}),
      applicant: JSON.stringify(applicant),
      identity_check_method: input.identityCheck.method,
      identity_check_reference: reference,
      delegation: delegation === undefined ? null : JSON.stringify(delegation),
      csr: csr.der,
      public_key_sha256: publicKeySha256(csrPublicKey(csr)),
      submitted_at: new Date().toISOString(),
      submitted_by: actorId(input.submittedBy),
      decided_at: null,
      decided_by: null,
      decision_reason: null,
      certificate_serial: null,
    };
    await this.ca.db.insertInto('ca_applications').values(row).execute();
    await this.auditTrail?.append({
      type: 'ra.application.submit',
      actor: input.submittedBy,
      subject: { kind: 'certificate-application', id: row.id },
      outcome: 'success',
      details: {
        profile: row.profile,
        identityCheckMethod: row.identity_check_method,
        delegated: delegation !== undefined,
      },
    });
    return toApplication(row);
  }

  async get(id: string): Promise<SignerApplication | undefined> {
    const row = await this.ca.db
      .selectFrom('ca_applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toApplication(row);
  }

  async list(status?: ApplicationStatus): Promise<SignerApplication[]> {
    let query = this.ca.db.selectFrom('ca_applications').selectAll();
    if (status !== undefined) query = query.where('status', '=', status);
    return (await query.orderBy('submitted_at').orderBy('id').limit(1000).execute()).map(toApplication);
  }

  /** Approves and issues in one step; the application and the certificate are stored together. */
  async approve(
    id: string,
    operator: AuditActor,
  ): Promise<{ application: SignerApplication; certificate: IssuedCertificate }> {
    const row = await this.pendingRow(id, operator);
    const application = toApplication(row);
    const prepared = await this.ca.prepare(
      {
        csr: Buffer.from(row.csr),
        profile: application.profile,
        subject: application.subject,
        altNames: application.altNames,
        applicationId: id,
        actor: operator,
      },
      row.public_key_sha256,
    );
    const decidedAt = new Date().toISOString();
    await this.ca.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('ca_applications')
        .set({
          status: 'approved',
          decided_at: decidedAt,
          decided_by: actorId(operator),
          certificate_serial: prepared.row.serial_number,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw notPending(id, 'decided concurrently');
      await this.ca.store(prepared, trx);
    });
    await this.record(operator, id, 'ra.application.approve', {
      certificateSerial: prepared.row.serial_number,
    });
    await this.auditTrail?.append({
      type: 'certificate.issue',
      actor: operator,
      subject: { kind: 'certificate', id: prepared.row.serial_number },
      outcome: 'success',
      details: { profile: application.profile, applicationId: id, subject: prepared.row.subject },
    });
    return { application: (await this.get(id))!, certificate: toIssuedCertificate(prepared.row) };
  }

  async reject(id: string, operator: AuditActor, reason: string): Promise<SignerApplication> {
    const why = text('reason', reason)!;
    await this.pendingRow(id, operator);
    const updated = await this.ca.db
      .updateTable('ca_applications')
      .set({
        status: 'rejected',
        decided_at: new Date().toISOString(),
        decided_by: actorId(operator),
        decision_reason: why,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw notPending(id, 'decided concurrently');
    await this.record(operator, id, 'ra.application.reject', { reason: why });
    return (await this.get(id))!;
  }

  private async pendingRow(id: string, operator: AuditActor): Promise<CaApplicationTable> {
    const row = await this.ca.db
      .selectFrom('ca_applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) {
      throw shomeiError(
        'SHOMEI_RA_NOT_FOUND',
        `申請 ${id} はありません。`,
        `There is no application ${id}.`,
        {
          status: 404,
          details: { id },
        },
      );
    }
    if (row.status !== 'pending') throw notPending(id, row.status);
    if (row.submitted_by === actorId(operator)) {
      // Separation of duties: nobody approves what they submitted themselves.
      await this.record(operator, id, 'ra.application.decide', { refused: 'same-person' }, 'failure');
      throw shomeiError(
        'SHOMEI_RA_SAME_PERSON',
        '申請者本人は自分の申請を審査できません。',
        'The person who submitted an application cannot decide on it.',
        { status: 403, details: { id } },
      );
    }
    return row;
  }

  private async record(
    operator: AuditActor,
    id: string,
    type: string,
    details: Record<string, unknown>,
    outcome: 'success' | 'failure' = 'success',
  ): Promise<void> {
    await this.auditTrail?.append({
      type,
      actor: operator,
      subject: { kind: 'certificate-application', id },
      outcome,
      details,
    });
  }
}
