/**
 * Self-service applications for a signing credential (電子証明書の利用申請, JT2A 4.2): the user asks
 * from their browser session, the key is generated in the HSM at once, but the certificate is only
 * requested after an operator (not the applicant) has checked the applicant's identity and recorded
 * how (method and reference), or the application is rejected and the key destroyed.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditTrail } from '../audit/events.ts';
import { KEY_ALGORITHMS } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
// The operator records a credential applicant's identity check with the same methods as an account's.
import { IDENTITY_CHECK_METHODS } from '../identity/index.ts';
import type { CredentialService } from './credentials.ts';
import type { CertificateIssuer, Clock } from './ports.ts';
import type { CredentialApplicationTable, RsspTables } from './tables.ts';

// Characters with a meaning in RFC 4514 are refused rather than escaped: a name never needs them.
const dnValue = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^,+"\\<>;=#\p{Cc}]+$/u, 'no , + " \\ < > ; = # or control characters');

export const applySchema = z
  .object({
    algorithm: z.enum(KEY_ALGORITHMS).default('RSA-2048'),
    /** The name in the certificate (CN), as on the identity document the operator checks. */
    commonName: dnValue,
    /** The organisation (O), checked against the corporate registry or the employer's attestation. */
    organisation: dnValue.optional(),
    description: z.string().trim().max(255).optional(),
  })
  .strict();

/** A renewal keeps the certificate's names unless the holder's name or organisation changed. */
export const renewSchema = z
  .object({ commonName: dnValue.optional(), organisation: dnValue.optional() })
  .strict();

export const approveSchema = z
  .object({
    identityCheck: z
      .object({ method: z.enum(IDENTITY_CHECK_METHODS), reference: z.string().trim().min(1).max(200) })
      .strict(),
  })
  .strict();

export const rejectSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export interface CredentialApplication {
  readonly id: string;
  readonly credentialId: string;
  readonly userId: string;
  readonly tenantId: string | null;
  readonly subject: string;
  readonly algorithm: string;
  readonly status: CredentialApplicationTable['status'];
  readonly submittedAt: string;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly identityCheck: { readonly method: string; readonly reference: string } | null;
  readonly decisionReason: string | null;
  /** Set on a renewal: the credential the new one replaces once approved. */
  readonly renewsCredentialId: string | null;
}

function view(row: CredentialApplicationTable): CredentialApplication {
  return {
    id: row.id,
    credentialId: row.credential_id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    subject: row.subject,
    algorithm: row.algorithm,
    status: row.status,
    submittedAt: row.submitted_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    identityCheck:
      row.identity_check_method === null
        ? null
        : { method: row.identity_check_method, reference: row.identity_check_reference ?? '' },
    decisionReason: row.decision_reason,
    renewsCredentialId: row.renews_credential_id,
  };
}

const notFound = (id: string) =>
  shomeiError(
    'SHOMEI_RSSP_APPLICATION_NOT_FOUND',
    `クレデンシャルの申請 ${id} はありません。`,
    `There is no credential application ${id}.`,
    { status: 404 },
  );

const notPending = (status: string) =>
  shomeiError(
    'SHOMEI_RSSP_APPLICATION_NOT_PENDING',
    `この申請は審査待ちではありません (${status})。`,
    `This application is not pending (${status}).`,
    { status: 409, details: { status } },
  );

function badInput(error: z.ZodError): Error {
  const where = error.issues[0]?.path.join('.') || 'body';
  return shomeiError('SHOMEI_BAD_REQUEST', `入力 ${where} が不正です。`, `Input ${where} is invalid.`, {
    status: 400,
    details: { field: where },
  });
}

/** CN and O of a subject as this module writes it ("CN=…, O=…, C=JP") or as RFC 4514 prints it. */
function parseSubject(subject: string): { commonName?: string; organisation?: string } {
  const out: { commonName?: string; organisation?: string } = {};
  for (const part of subject.split(/\s*,\s*/)) {
    const [key, ...value] = part.split('=');
    if (key === 'CN') out.commonName = value.join('=');
    if (key === 'O') out.organisation = value.join('=');
  }
  return out;
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw badInput(parsed.error);
  return parsed.data;
}

export class CredentialApplications {
  constructor(
    private readonly db: Kysely<RsspTables>,
    /** Creates the key and CSR without asking the CA: issuance waits for the RA decision. */
    private readonly held: CredentialService,
    private readonly credentials: CredentialService,
    private readonly issuer: CertificateIssuer | undefined,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async apply(
    user: { userId: string; tenantId: string | null },
    raw: unknown,
  ): Promise<CredentialApplication> {
    const input = parseWith(applySchema, raw);
    await this.assertNonePending(user.userId);
    const subject = `CN=${input.commonName}${input.organisation === undefined ? '' : `, O=${input.organisation}`}, C=JP`;
    return this.submit(user, { ...input, subject }, null);
  }

  /**
   * Renewal before the certificate ends (JT2A appendix 4): a new key and a new application through the
   * same RA review as the first one; once approved, the new credential takes over the PIN and one-time
   * factor and the old one is revoked as superseded, its key destroyed.
   */
  async renew(
    user: { userId: string; tenantId: string | null },
    credentialId: string,
    raw: unknown,
  ): Promise<CredentialApplication> {
    const input = parseWith(renewSchema, raw);
    const old = await this.credentials.requireOwned(credentialId, user.userId);
    if ((old.status !== 'active' && old.status !== 'suspended') || old.certificate === null) {
      throw shomeiError(
        'SHOMEI_RSSP_CREDENTIAL_STATE',
        `このクレデンシャルは更新できません (${old.status})。`,
        `This credential cannot be renewed (${old.status}).`,
        { status: 409, details: { status: old.status } },
      );
    }
    await this.assertNonePending(user.userId);
    const previous = await this.db
      .selectFrom('rssp_credential_applications')
      .select('subject')
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    const names = parseSubject(previous?.subject ?? old.cert_subject_dn ?? '');
    const commonName = input.commonName ?? names.commonName;
    if (commonName === undefined) {
      throw shomeiError(
        'SHOMEI_BAD_REQUEST',
        '入力 commonName が必要です。',
        'Input commonName is required.',
        {
          status: 400,
          details: { field: 'commonName' },
        },
      );
    }
    const organisation = input.organisation ?? names.organisation;
    const subject = `CN=${commonName}${organisation === undefined ? '' : `, O=${organisation}`}, C=JP`;
    return this.submit(
      user,
      {
        subject,
        algorithm: old.key_algorithm as z.output<typeof applySchema>['algorithm'],
        ...(old.description === null ? {} : { description: old.description }),
      },
      credentialId,
    );
  }

  private async assertNonePending(userId: string): Promise<void> {
    const pending = await this.db
      .selectFrom('rssp_credential_applications')
      .select('id')
      .where('user_id', '=', userId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (pending !== undefined) {
      throw shomeiError(
        'SHOMEI_RSSP_APPLICATION_PENDING',
        '審査待ちの申請があります。審査が終わるまでお待ちください。',
        'An application is already waiting for review.',
        { status: 409 },
      );
    }
  }

  private async submit(
    user: { userId: string; tenantId: string | null },
    input: {
      subject: string;
      algorithm: z.output<typeof applySchema>['algorithm'];
      description?: string | undefined;
    },
    renews: string | null,
  ): Promise<CredentialApplication> {
    const subject = input.subject;
    const { credential } = await this.held.create({
      userId: user.userId,
      ...(user.tenantId === null ? {} : { tenantId: user.tenantId }),
      algorithm: input.algorithm,
      subject,
      description: input.description,
    });
    const row: CredentialApplicationTable = {
      id: randomUUID(),
      credential_id: credential.credential_id,
      user_id: user.userId,
      tenant_id: user.tenantId,
      subject,
      algorithm: input.algorithm,
      status: 'pending',
      submitted_at: this.clock().toISOString(),
      decided_at: null,
      decided_by: null,
      identity_check_method: null,
      identity_check_reference: null,
      decision_reason: null,
      renews_credential_id: renews,
    };
    await this.db.insertInto('rssp_credential_applications').values(row).execute();
    await this.record('credential.application.submit', 'user', user.userId, row.id, 'success', {
      credentialId: row.credential_id,
      algorithm: row.algorithm,
      ...(renews === null ? {} : { renews }),
    });
    return view(row);
  }

  async list(filter: {
    status?: CredentialApplicationTable['status'] | undefined;
    userId?: string | undefined;
  }): Promise<CredentialApplication[]> {
    let query = this.db.selectFrom('rssp_credential_applications').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    const rows = await query.orderBy('submitted_at', 'desc').orderBy('id').limit(500).execute();
    return rows.map(view);
  }

  /** The RA decision: identity checked (method, reference), then the certificate is requested and installed. */
  async approve(id: string, operatorId: string, raw: unknown): Promise<CredentialApplication> {
    const { identityCheck } = parseWith(approveSchema, raw);
    const row = await this.pending(id, operatorId);
    const credential = await this.credentials.require(row.credential_id);
    if (this.issuer === undefined || credential.certificate_request === null) {
      throw shomeiError(
        'SHOMEI_RSSP_NO_ISSUER',
        'この環境では証明書を発行できません。',
        'No certificate issuer is configured here.',
        { status: 503 },
      );
    }
    // Issue first: installCertificate is conditional on the credential still waiting, so of two
    // operators approving at once only one installs, and a failed issuance leaves the application pending.
    const issuance = await this.issuer.requestCertificate({
      credentialId: credential.credential_id,
      userId: credential.user_id,
      ...(credential.tenant_id === null ? {} : { tenantId: credential.tenant_id }),
      csr: Buffer.from(credential.certificate_request),
    });
    if (issuance.status === 'issued') {
      await this.credentials.installCertificate(
        credential.credential_id,
        issuance.certificate,
        issuance.chain,
        operatorId,
      );
    }
    const decided = await this.decide(row, operatorId, 'approved', {
      identity_check_method: identityCheck.method,
      identity_check_reference: identityCheck.reference,
    });
    const superseded =
      issuance.status === 'issued' && row.renews_credential_id !== null
        ? await this.supersede(row.renews_credential_id, row.credential_id, operatorId)
        : undefined;
    await this.record('credential.application.approve', 'operator', operatorId, id, 'success', {
      credentialId: row.credential_id,
      identityCheckMethod: identityCheck.method,
      identityCheckReference: identityCheck.reference,
      certificate: issuance.status,
      superseded,
    });
    return decided;
  }

  /** The renewed credential gives way to its successor, unless its holder already revoked it. */
  private async supersede(oldId: string, newId: string, operatorId: string): Promise<string | undefined> {
    const old = await this.credentials.get(oldId);
    if (old === undefined || (old.status !== 'active' && old.status !== 'suspended')) return undefined;
    await this.credentials.supersede(oldId, newId, operatorId, 'operator');
    return oldId;
  }

  /** Rejected: the credential ends and its key is destroyed (nothing unused stays in the HSM). */
  async reject(id: string, operatorId: string, raw: unknown): Promise<CredentialApplication> {
    const { reason } = parseWith(rejectSchema, raw);
    const row = await this.pending(id, operatorId);
    const decided = await this.decide(row, operatorId, 'rejected', { decision_reason: reason });
    await this.credentials.end(row.credential_id, operatorId);
    await this.record('credential.application.reject', 'operator', operatorId, id, 'success', {
      credentialId: row.credential_id,
      reason: reason.slice(0, 200),
    });
    return decided;
  }

  private async pending(id: string, operatorId: string): Promise<CredentialApplicationTable> {
    const row =
      id.length > 100
        ? undefined
        : await this.db
            .selectFrom('rssp_credential_applications')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirst();
    if (row === undefined) throw notFound(id);
    if (row.status !== 'pending') throw notPending(row.status);
    if (row.user_id === operatorId) {
      // Separation of duties: nobody checks their own identity.
      await this.record('credential.application.decide', 'operator', operatorId, id, 'failure', {
        refused: 'same-person',
      });
      throw shomeiError(
        'SHOMEI_RSSP_APPLICATION_SAME_PERSON',
        '自分の申請は審査できません。',
        'You cannot decide on your own application.',
        { status: 403 },
      );
    }
    return row;
  }

  private async decide(
    row: CredentialApplicationTable,
    operatorId: string,
    status: 'approved' | 'rejected',
    extra: Partial<CredentialApplicationTable>,
  ): Promise<CredentialApplication> {
    const decidedAt = this.clock().toISOString();
    const updated = await this.db
      .updateTable('rssp_credential_applications')
      .set({ ...extra, status, decided_at: decidedAt, decided_by: operatorId })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw notPending('decided concurrently');
    return view({ ...row, ...extra, status, decided_at: decidedAt, decided_by: operatorId });
  }

  private record(
    type: string,
    kind: 'user' | 'operator',
    actorId: string,
    applicationId: string,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.append({
      type,
      actor: { kind, id: actorId },
      subject: { kind: 'credential-application', id: applicationId },
      outcome,
      details,
    });
  }
}
