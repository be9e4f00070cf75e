/**
 * The embedded CA: issues end-entity certificates from checked CSRs, revokes them, publishes CRLs
 * and answers OCSP. Keys stay in the HSM; every issuance compares the certificate's public key
 * with the key before the certificate is stored.
 */
import { X509Certificate } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AuditActor, AuditTrail } from '../audit/events.ts';
import {
  algorithmOfPublicKey,
  type CryptoModule,
  type DigestSigner,
  digestSignerFor,
  type KeyAlgorithm,
} from '../crypto/index.ts';
import {
  buildCsr,
  buildName,
  type CertificateParts,
  certificateFacts,
  certificateParts,
  csrPublicKey,
  csrSignatureValid,
  derReader,
  issuedBy,
  malformed,
  nameAttributes,
  type ParsedCertificate,
  parseCertificate,
  parseCsr,
  publicKeySha256,
  serialHex,
} from '../pki/index.ts';
import type { Database, FoundationTables, KeyRegistry } from '../store/index.ts';
import { ensureAuthority, generateRecordedKey } from './authority-setup.ts';
import { randomSerial, signCertificate } from './certificate-builder.ts';
import { buildCrl } from './crl.ts';
import { caErrors } from './errors.ts';
import { type AuthorityNaming, DEVELOPMENT_NAMING, requireNaming } from './naming.ts';
import { answerOcsp, certIdFor, type OcspResponderContext, respondToOcsp } from './ocsp-responder.ts';
import { authorityUrls, endEntityExtensions, PROFILE_VALIDITY_DAYS } from './profiles.ts';
import type { CaAuthorityTable, CaCertificateTable, CaTables } from './tables.ts';
import {
  type AuthorityName,
  type CaSettings,
  type CertificateFilter,
  type CertificateProfile,
  type IssuedCertificate,
  type IssueRequest,
  REVOCATION_REASONS,
  type RevocationReason,
} from './types.ts';

const DAY = 86_400_000;

/** Keys with these purposes may only be certified for the profile named (undefined: never). */
const RESERVED_KEY_PURPOSES: Record<string, CertificateProfile | undefined> = {
  'ca-root': undefined,
  'ca-issuing': undefined,
  'ca-ocsp': 'ocsp-responder',
  tsa: 'tsa',
};
const MAX_VALIDITY_DAYS = 3653;

export interface CaDependencies {
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly settings: CaSettings;
  readonly audit?: AuditTrail;
}

interface LoadedAuthority {
  readonly name: AuthorityName;
  /**
   * The tier's certificate read by the DER walker: OCSP answers need only its name and key bits.
   * The whole parse (`parsed`), for issuing certificates and signing CRLs, is made on first use:
   * it was the cold first parse of every `shomei sign --level B-LT/B-LTA` (ADR 051).
   */
  readonly certificate: CertificateParts;
  readonly parsed: () => ParsedCertificate;
  readonly signer: DigestSigner;
  /** The responder's certificate as stored: answers embed its DER, and the start-up check read it. */
  readonly ocsp?: { readonly certificate: { readonly der: Buffer }; readonly signer: DigestSigner };
}

/** A signed certificate not yet stored, with the row that will store it. */
export interface PreparedCertificate {
  readonly row: CaCertificateTable;
}

export function toIssuedCertificate(row: CaCertificateTable): IssuedCertificate {
  return {
    serialNumber: row.serial_number,
    issuer: row.issuer as IssuedCertificate['issuer'],
    profile: row.profile as IssuedCertificate['profile'],
    subject: row.subject,
    der: Buffer.from(row.certificate),
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    ...(row.key_id === null ? {} : { keyId: row.key_id }),
    status: row.status,
    ...(row.revoked_at === null ? {} : { revokedAt: new Date(row.revoked_at) }),
    ...(row.revocation_reason === null
      ? {}
      : { revocationReason: row.revocation_reason as RevocationReason }),
    ...(row.application_id === null ? {} : { applicationId: row.application_id }),
    issuedAt: new Date(row.issued_at),
  };
}

export class CertificateAuthority {
  readonly db: Kysely<FoundationTables & CaTables>;
  private readonly authorities = new Map<AuthorityName, LoadedAuthority>();

  constructor(private readonly deps: CaDependencies) {
    this.db = deps.database.db.withTables<CaTables>();
  }

  get settings(): CaSettings {
    return this.deps.settings;
  }

  /**
   * Names for the CA's own certificates (root, issuing, OCSP, TSA, provider e-seal). Throws
   * SHOMEI_CONFIG_INVALID naming SHOMEI_CA_ORGANIZATION in production when it is not set.
   */
  naming(): AuthorityNaming {
    const naming = this.settings.naming;
    return requireNaming(naming === undefined ? DEVELOPMENT_NAMING : (naming ?? undefined));
  }

  /** Whether the root in use carries the built-in development names (for the compliance report). */
  async isDevelopmentCa(): Promise<boolean> {
    const root = await this.db
      .selectFrom('ca_authorities')
      .select('subject')
      .where('name', '=', 'root')
      .executeTakeFirst();
    return root !== undefined && /Development .*\(TEST\)/.test(root.subject);
  }

  /** First run: root, issuing CA and OCSP responder (idempotent). Returns true when anything was created. */
  async setup(): Promise<boolean> {
    const context = {
      db: this.db,
      crypto: this.deps.crypto,
      keys: this.deps.keys,
      publicUrl: this.settings.publicUrl,
      naming: () => this.naming(),
    };
    const ctx = this.deps.audit === undefined ? context : { ...context, audit: this.deps.audit };
    let created = await ensureAuthority(ctx, 'root', this.settings.rootAlgorithm);
    created = (await ensureAuthority(ctx, 'issuing', this.settings.issuingAlgorithm)) || created;
    // The OCSP responder certificate is short-lived compared with the CAs: renewed (same HSM key)
    // at start-up when it has less than 30 days left.
    const issuing = await this.authorityRow('issuing');
    const ocspEnd = issuing.ocsp_certificate === null ? 0 : certificateEnd(issuing.ocsp_certificate);
    if (issuing.ocsp_key_id === null || ocspEnd < Date.now() + 30 * DAY) {
      const signer =
        issuing.ocsp_key_id === null
          ? await generateRecordedKey(
              this.deps,
              this.settings.ocspAlgorithm,
              `${this.naming().keyLabelPrefix}ocsp`,
              'ca-ocsp',
            )
          : await digestSignerFor(this.deps.crypto, issuing.ocsp_key_id);
      const issued = await this.issue({
        csr: await buildCsr(signer, this.naming().ocsp),
        profile: 'ocsp-responder',
        actor: { kind: 'process', id: 'shomei-init' },
      });
      await this.db
        .updateTable('ca_authorities')
        .set({ ocsp_key_id: signer.keyId, ocsp_certificate: issued.der })
        .where('name', '=', 'issuing')
        .execute();
      this.authorities.delete('issuing');
      created = true;
    }
    return created;
  }

  async isSetUp(): Promise<boolean> {
    const row = await this.db
      .selectFrom('ca_authorities')
      .select('name')
      .where('name', '=', 'issuing')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The CA certificate of one tier, DER. */
  async certificate(name: AuthorityName): Promise<Buffer> {
    const loaded = this.authorities.get(name);
    if (loaded !== undefined) return loaded.certificate.der;
    // The stored DER as it is: a chain for a signature needs neither a parse nor the tier's keys
    // from the HSM (each a token search, ADR 046); a tier's certificate never changes once stored.
    return Buffer.from((await this.authorityRow(name)).certificate);
  }

  /** Issuing CA then root, DER: what a relying party needs above an end-entity certificate. */
  async chain(): Promise<Buffer[]> {
    return [await this.certificate('issuing'), await this.certificate('root')];
  }

  /** Checks the CSR and the key, signs, compares, stores. */
  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const prepared = await this.prepare(request);
    await this.store(prepared);
    await this.audit(request.actor, 'certificate.issue', prepared.row.serial_number, 'success', {
      profile: request.profile,
      subject: prepared.row.subject,
      keyId: prepared.row.key_id,
      applicationId: prepared.row.application_id,
    });
    return toIssuedCertificate(prepared.row);
  }

  /**
   * Everything of issuance except storing: CSR signature, key ownership (one of our HSM keys, or the
   * key of the approved application `approvedPublicKeySha256`), signing and the key comparison.
   */
  async prepare(request: IssueRequest, approvedPublicKeySha256?: string): Promise<PreparedCertificate> {
    const csr = parseCsr(request.csr);
    if (!csrSignatureValid(csr)) throw caErrors.csrSignatureInvalid();
    const spki = csrPublicKey(csr);
    let keyAlgorithm: KeyAlgorithm | undefined;
    try {
      keyAlgorithm = algorithmOfPublicKey(spki);
    } catch {
      keyAlgorithm = undefined;
    }
    if (keyAlgorithm === undefined) throw caErrors.keyAlgorithm();
    const fingerprint = publicKeySha256(spki);
    const ours = await this.ourKey(spki, fingerprint);
    const keyId = ours?.keyId;
    if (keyId === undefined && approvedPublicKeySha256 !== fingerprint) throw caErrors.keyUnknown();
    if (ours !== undefined && ours.purpose in RESERVED_KEY_PURPOSES) {
      // CA keys are never certified as end entities; TSA and OCSP keys only for their own role.
      if (RESERVED_KEY_PURPOSES[ours.purpose] !== request.profile) {
        throw caErrors.keyPurpose(ours.purpose, request.profile);
      }
    }

    const issuer = await this.authority('issuing');
    const subjectAttributes = request.subject ?? nameAttributes(csr.csr.certificationRequestInfo.subject);
    if (subjectAttributes.length === 0) throw caErrors.invalidInput('subject', 'empty');
    const days = request.validityDays ?? PROFILE_VALIDITY_DAYS[request.profile];
    if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
      throw caErrors.invalidInput('validityDays', `1..${MAX_VALIDITY_DAYS}`);
    }
    const now = new Date();
    const issuerCertificate = issuer.parsed();
    const issuerEnd = certificateFacts(issuerCertificate).notAfter;
    const notAfter = new Date(Math.min(now.getTime() + days * DAY, issuerEnd.getTime()));
    const der = await signCertificate(
      {
        serialNumber: randomSerial(),
        subject: buildName(subjectAttributes),
        issuer: issuerCertificate.certificate.tbsCertificate.subject,
        notBefore: now,
        notAfter,
        publicKey: spki,
        extensions: endEntityExtensions({
          profile: request.profile,
          publicKey: spki,
          keyAlgorithm,
          issuerPublicKey: issuer.signer.publicKey,
          urls: authorityUrls(this.settings.publicUrl, 'issuing'),
          policyOid: this.settings.policyOid,
          altNames: request.altNames,
        }),
      },
      issuer.signer,
    );
    const parsed = parseCertificate(der);
    const facts = certificateFacts(parsed);
    // The certificate must certify exactly the key that asked for it, and verify under the CA key.
    if (!facts.publicKey.equals(spki)) throw caErrors.keyMismatch({ stage: 'issued-certificate' });
    if (!issuedBy(parsed, issuerCertificate)) throw caErrors.keyMismatch({ stage: 'ca-signature' });
    return {
      row: {
        serial_number: facts.serialNumber,
        issuer: 'issuing',
        profile: request.profile,
        subject: facts.subject,
        certificate: der,
        public_key_sha256: fingerprint,
        key_id: keyId ?? null,
        not_before: facts.notBefore.toISOString(),
        not_after: facts.notAfter.toISOString(),
        status: 'valid',
        revoked_at: null,
        revocation_reason: null,
        application_id: request.applicationId ?? null,
        issued_at: now.toISOString(),
      },
    };
  }

  async store(prepared: PreparedCertificate, trx?: Transaction<FoundationTables & CaTables>): Promise<void> {
    await (trx ?? this.db).insertInto('ca_certificates').values(prepared.row).execute();
  }

  /**
   * Calls `listener` with the serial (hex) of every certificate this process revokes, so that caches
   * of certificate status elsewhere (rssp) drop at once. Returns the unsubscribe function.
   */
  onRevoked(listener: (serialNumber: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  private readonly revocationListeners = new Set<(serialNumber: string) => void>();

  async revoke(
    serialNumber: string,
    reason: RevocationReason,
    actor?: AuditActor,
  ): Promise<IssuedCertificate> {
    const serial = normaliseSerial(serialNumber);
    if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
      throw caErrors.invalidInput('reason', `one of ${REVOCATION_REASONS.join(', ')}`);
    }
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const result = await this.db
      .updateTable('ca_certificates')
      .set({ status: 'revoked', revoked_at: now, revocation_reason: reason })
      .where('serial_number', '=', serial)
      .where('status', '=', 'valid')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      const existing = await this.get(serial);
      await this.audit(actor, 'certificate.revoke', serial, 'failure', { reason });
      throw existing === undefined ? caErrors.notFound(serial) : caErrors.alreadyRevoked(serial);
    }
    for (const listener of this.revocationListeners) listener(serial);
    await this.audit(actor, 'certificate.revoke', serial, 'success', { reason });
    return (await this.get(serial))!;
  }

  async get(serialNumber: string): Promise<IssuedCertificate | undefined> {
    const serial = normaliseSerial(serialNumber);
    const row = await this.db
      .selectFrom('ca_certificates')
      .selectAll()
      .where('serial_number', '=', serial)
      .executeTakeFirst();
    return row === undefined ? undefined : toIssuedCertificate(row);
  }

  async list(filter: CertificateFilter = {}): Promise<IssuedCertificate[]> {
    let query = this.db.selectFrom('ca_certificates').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.profile !== undefined) query = query.where('profile', '=', filter.profile);
    if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
    const rows = await query
      .orderBy('issued_at', 'desc')
      .orderBy('serial_number')
      .limit(Math.min(filter.limit ?? 1000, 10_000))
      .execute();
    return rows.map(toIssuedCertificate);
  }

  /**
   * The current CRL of one authority (DER); once the authority's key was destroyed after a compromise,
   * its final CRL. The last CRL is kept in the database (ADR 049) and served by every process while it
   * lists exactly the revocations there are now and is younger than half its validity — the same
   * guarantee as signing one per call, since a relying party may cache it until nextUpdate anyway.
   */
  async crl(name: AuthorityName): Promise<Buffer> {
    const row = await this.authorityRow(name);
    if (row.final_crl !== null) return Buffer.from(row.final_crl);
    const stamp = revocationStamp(await this.revokedBy(name));
    if (
      row.last_crl !== null &&
      row.last_crl_stamp === stamp &&
      this.withinHalfLife(row.last_crl_produced_at)
    ) {
      return Buffer.from(row.last_crl);
    }
    // Calls in this process that see the same revocations share one signing (sign B-LT asks for the
    // issuing CRL twice at once): it reads the revocations after this call did, so it lists them all.
    const inFlight = this.crlSigning.get(name);
    if (inFlight?.stamp === stamp) return inFlight.der;
    const der = this.signLastCrl(name);
    this.crlSigning.set(name, { stamp, der });
    try {
      return await der;
    } finally {
      if (this.crlSigning.get(name)?.der === der) this.crlSigning.delete(name);
    }
  }

  private readonly crlSigning = new Map<AuthorityName, { stamp: string; der: Promise<Buffer> }>();

  /** Younger than half the CRL validity, and not from the future (another instance's clock ahead). */
  private withinHalfLife(producedAt: string | null): boolean {
    if (producedAt === null) return false;
    const age = Date.now() - Date.parse(producedAt);
    return age >= 0 && age < (this.settings.crlValidityHours * 3_600_000) / 2;
  }

  /**
   * Signs a new CRL and keeps it unless another process kept a higher-numbered one meanwhile. The
   * number is taken and the revocations read in one short transaction (no HSM call inside), so this
   * answer lists every revocation committed before its number was taken; the HSM signs outside it.
   * A racing process's answer is just as valid; whichever is kept is served only while its stamp
   * still matches the revocations, so no caller is ever served a CRL that omits one it could see.
   */
  private async signLastCrl(name: AuthorityName): Promise<Buffer> {
    const { crlNumber, revoked } = await this.db.transaction().execute(async (trx) => {
      const crlNumber = await this.nextCrlNumber(name, trx);
      return { crlNumber, revoked: await this.revokedBy(name, trx) };
    });
    const thisUpdate = new Date();
    const nextUpdate = new Date(thisUpdate.getTime() + this.settings.crlValidityHours * 3_600_000);
    const der = await this.signCrl(name, crlNumber, revoked, thisUpdate, nextUpdate);
    await this.db
      .updateTable('ca_authorities')
      .set({
        last_crl: der,
        last_crl_number: crlNumber,
        last_crl_stamp: revocationStamp(revoked),
        last_crl_produced_at: thisUpdate.toISOString(),
      })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('last_crl_number', 'is', null), eb('last_crl_number', '<', crlNumber)]))
      .execute();
    return der;
  }

  /**
   * Signs and keeps the last CRL of an authority whose key is about to be destroyed (key compromise,
   * ADR 035): every revocation, and a nextUpdate no earlier than the end of the last certificate it
   * issued, so relying parties can still learn that everything it issued is revoked. Signed once;
   * crl() serves it from then on.
   */
  async finalCrl(name: AuthorityName): Promise<Buffer> {
    const { final_crl } = await this.authorityRow(name);
    if (final_crl !== null) return Buffer.from(final_crl);
    const last = await this.db
      .selectFrom('ca_certificates')
      .select((eb) => eb.fn.max('not_after').as('lastEnd'))
      .where('issuer', '=', name)
      .executeTakeFirst();
    const thisUpdate = new Date();
    const regular = thisUpdate.getTime() + this.settings.crlValidityHours * 3_600_000;
    const lastEnd = last?.lastEnd == null ? 0 : Date.parse(String(last.lastEnd));
    const der = await this.signCrl(
      name,
      await this.nextCrlNumber(name),
      await this.revokedBy(name),
      thisUpdate,
      new Date(Math.max(regular, lastEnd)),
    );
    await this.db
      .updateTable('ca_authorities')
      .set({ final_crl: der })
      .where('name', '=', name)
      .where('final_crl', 'is', null)
      .execute();
    return Buffer.from((await this.authorityRow(name)).final_crl ?? der);
  }

  private revokedBy(name: AuthorityName, db: Kysely<FoundationTables & CaTables> = this.db) {
    return db
      .selectFrom('ca_certificates')
      .select(['serial_number', 'revoked_at', 'revocation_reason'])
      .where('issuer', '=', name)
      .where('status', '=', 'revoked')
      .orderBy('serial_number')
      .execute();
  }

  /** The authority's next CRL number, taken atomically (every CRL it signs has a higher one). */
  private async nextCrlNumber(
    name: AuthorityName,
    db: Kysely<FoundationTables & CaTables> = this.db,
  ): Promise<number> {
    const updated = await db
      .updateTable('ca_authorities')
      .set((eb) => ({ crl_number: eb('crl_number', '+', 1) }))
      .where('name', '=', name)
      .returning('crl_number')
      .executeTakeFirstOrThrow();
    return Number(updated.crl_number);
  }

  private async signCrl(
    name: AuthorityName,
    crlNumber: number,
    revoked: readonly {
      serial_number: string;
      revoked_at: string | null;
      revocation_reason: string | null;
    }[],
    thisUpdate: Date,
    nextUpdate: Date,
  ): Promise<Buffer> {
    const authority = await this.authority(name);
    return buildCrl({
      issuer: authority.parsed().certificate.tbsCertificate.subject,
      signer: authority.signer,
      crlNumber,
      thisUpdate,
      nextUpdate,
      revoked: revoked.map((r) => ({
        serialNumber: r.serial_number,
        revokedAt: new Date(r.revoked_at ?? thisUpdate.toISOString()),
        reason: (r.revocation_reason ?? 'unspecified') as RevocationReason,
      })),
    });
  }

  /** Answers an OCSP request (DER) with an OCSP response (DER); malformed input gets malformedRequest. */
  async respondOcsp(requestDer: Uint8Array): Promise<Buffer> {
    return respondToOcsp(requestDer, await this.ocspContext());
  }

  /**
   * The OCSP response (DER) for one certificate (DER) of the issuing CA, for this process's own
   * validation data: the answer `respondOcsp` gives to a request for it, from the CertID the CA
   * writes itself instead of a request written and decoded in the same process (the request's
   * decode was the first, cold schema parse of `shomei sign --level B-LT/B-LTA`, ADR 051). A
   * certificate this CA did not issue is `unknown`, as in a request.
   */
  async respondOcspFor(certificate: Uint8Array): Promise<Buffer> {
    const context = await this.ocspContext();
    const serial = certificateParts(certificate).serialNumber.value;
    return answerOcsp([certIdFor(serial, context.issuer)], undefined, context);
  }

  private async ocspContext(): Promise<OcspResponderContext> {
    const issuing = await this.authority('issuing');
    if (issuing.ocsp === undefined) throw caErrors.notSetUp();
    return {
      issuer: issuing.certificate,
      responderCertificate: issuing.ocsp.certificate,
      responderSigner: issuing.ocsp.signer,
      validityMinutes: this.settings.ocspValidityMinutes,
      lookup: async (serial) => {
        const row = await this.db
          .selectFrom('ca_certificates')
          .select(['status', 'revoked_at', 'revocation_reason'])
          .where('serial_number', '=', serial)
          .where('issuer', '=', 'issuing')
          .executeTakeFirst();
        if (row === undefined) return undefined;
        if (row.status === 'valid') return { status: 'good' };
        return {
          status: 'revoked',
          revokedAt: new Date(row.revoked_at ?? Date.now()),
          reason: (row.revocation_reason ?? 'unspecified') as RevocationReason,
        };
      },
    };
  }

  /** Revokes by certificate (DER) rather than serial: refused unless this CA issued exactly these bytes. */
  async revokeCertificate(
    certificate: Uint8Array,
    reason: RevocationReason,
    actor?: AuditActor,
  ): Promise<IssuedCertificate> {
    const serial = certificateFacts(parseCertificate(certificate)).serialNumber;
    const known = await this.get(serial);
    if (known === undefined || !known.der.equals(Buffer.from(certificate)) || known.issuer === 'external') {
      throw caErrors.notFound(serial);
    }
    return this.revoke(serial, reason, actor);
  }

  /** Status of a certificate (DER) as this CA's database knows it (rssp's CertificateStatusSource). */
  async statusOf(certificate: Uint8Array): Promise<'good' | 'revoked' | 'unknown'> {
    const row = await this.db
      .selectFrom('ca_certificates')
      .select(['status', 'certificate'])
      .where('serial_number', '=', serialOf(certificate))
      .executeTakeFirst();
    if (row === undefined || !Buffer.from(row.certificate).equals(Buffer.from(certificate))) return 'unknown';
    return row.status === 'valid' ? 'good' : 'revoked';
  }

  /** Records a certificate issued elsewhere for one of our keys (external CA path). */
  async recordImported(row: CaCertificateTable): Promise<IssuedCertificate> {
    await this.db.insertInto('ca_certificates').values(row).execute();
    return toIssuedCertificate(row);
  }

  // --- internals -------------------------------------------------------------------------------

  /** The HSM key with this public key, when we hold it and it is recorded as active. */
  async ourKeyFor(spki: Buffer, fingerprint: string = publicKeySha256(spki)): Promise<string | undefined> {
    return (await this.ourKey(spki, fingerprint))?.keyId;
  }

  private async ourKey(
    spki: Buffer,
    fingerprint: string,
  ): Promise<{ keyId: string; purpose: string } | undefined> {
    const record = await this.db
      .selectFrom('key_records')
      .select(['key_id', 'purpose'])
      .where('public_key_sha256', '=', fingerprint)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (record === undefined) return undefined;
    if (!(await this.deps.crypto.hasKey(record.key_id))) return undefined;
    const key = await this.deps.crypto.getKey(record.key_id);
    if (key.publicKey === undefined || !key.publicKey.equals(spki)) {
      throw caErrors.keyMismatch({ stage: 'hsm-key', keyId: record.key_id });
    }
    return { keyId: record.key_id, purpose: record.purpose };
  }

  private async authorityRow(name: AuthorityName): Promise<CaAuthorityTable> {
    const row = await this.db
      .selectFrom('ca_authorities')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined) throw caErrors.notSetUp();
    return row;
  }

  private async authority(name: AuthorityName): Promise<LoadedAuthority> {
    const cached = this.authorities.get(name);
    if (cached !== undefined) return cached;
    const row = await this.authorityRow(name);
    const der = Buffer.from(row.certificate);
    let parsed: ParsedCertificate | undefined;
    const loaded: LoadedAuthority = {
      name,
      certificate: certificateParts(der, `${name} CA certificate`),
      parsed: () => {
        parsed ??= parseCertificate(der);
        return parsed;
      },
      signer: await digestSignerFor(this.deps.crypto, row.key_id),
      ...(row.ocsp_key_id === null || row.ocsp_certificate === null
        ? {}
        : {
            ocsp: {
              certificate: { der: Buffer.from(row.ocsp_certificate) },
              signer: await digestSignerFor(this.deps.crypto, row.ocsp_key_id),
            },
          }),
    };
    this.authorities.set(name, loaded);
    return loaded;
  }

  private async audit(
    actor: AuditActor | undefined,
    type: string,
    serial: string,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit?.append({
      type,
      actor: actor ?? { kind: 'process', id: 'ca' },
      subject: { kind: 'certificate', id: serial },
      outcome,
      details,
    });
  }
}

/** Serial numbers are compared as lower-case hex without leading zero octets or separators. */
export function normaliseSerial(serial: string): string {
  const hex = serial.replace(/[:\s]/g, '').toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,40}$/.test(hex)) throw caErrors.invalidInput('serialNumber', 'hex, at most 20 octets');
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  return even.replace(/^(00)+(?=..)/, '');
}

/** The revocations a CRL lists, as one comparable string: serial, time and reason of each, in serial order. */
function revocationStamp(
  revoked: readonly { serial_number: string; revoked_at: string | null; revocation_reason: string | null }[],
): string {
  return revoked.map((r) => `${r.serial_number}@${r.revoked_at}/${r.revocation_reason}`).join(',');
}

const certificateWalker = derReader(malformed);

/**
 * A certificate's notAfter read by OpenSSL (node:crypto): the start-up check of the OCSP responder's
 * certificate needs only its end, and a whole parse with asn1js was the first, cold one of every
 * `shomei sign` (ADR 046).
 */
function certificateEnd(der: Uint8Array): number {
  let end = Number.NaN;
  try {
    end = Date.parse(new X509Certificate(der).validTo);
  } catch {
    // reported below, as a certificate that cannot be read
  }
  if (Number.isNaN(end)) throw malformed('certificate', 'unreadable notAfter');
  return end;
}

/**
 * A certificate's serial number read from its DER header alone: statusOf runs for every remote
 * signature (the credential's certificate), and a whole parse was ~3 % of the server main thread's
 * samples in bench/envelopes.ts (issue #20). The stored certificate is compared byte for byte after
 * the lookup, so nothing but an exact certificate of this CA is ever "good".
 */
function serialOf(certificate: Uint8Array): string {
  const [tbs] = certificateWalker.children(
    certificateWalker.readSingle(certificate, 'certificate'),
    'certificate',
  );
  if (tbs === undefined) throw malformed('certificate', 'empty SEQUENCE');
  const fields = certificateWalker.children(tbs, 'certificate');
  const serial = fields[0]?.tag === 0xa0 ? fields[1] : fields[0];
  if (serial?.tag !== 0x02) throw malformed('certificate', 'no serial number');
  return serialHex(serial.value);
}
