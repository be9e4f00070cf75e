/**
 * The embedded RFC 3161 TSA: key in the HSM, certificate from the embedded CA (timeStamping EKU,
 * critical), serial numbers from the database, stated accuracy, nonce echoed, certReq honoured.
 * Bad queries get a rejection reply (PKIStatus rejection with a failure reason), never an exception.
 */
import { randomBytes } from 'node:crypto';
import { OctetString } from '@peculiar/asn1-schema';
import {
  MessageImprint,
  PKIFailureInfo,
  PKIFreeText,
  PKIStatus,
  PKIStatusInfo,
  TimeStampReq,
  TimeStampResp,
} from '@peculiar/asn1-tsp';
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import { type CryptoModule, DIGEST_LENGTH, type DigestAlgorithm, digestSignerFor } from '../crypto/index.ts';
import {
  buildCsr,
  type CertificateParts,
  certificateFacts,
  certificateParts,
  decodeAs,
  derReader,
  digestAlgorithmFromOid,
  digestAlgorithmIdentifier,
  encode,
  malformed,
  type NameAttribute,
  PKI_LIMITS,
  parseCertificate,
  publicKeySha256,
} from '../pki/index.ts';
import type { Database, FoundationTables, KeyRegistry } from '../store/index.ts';
import { tsaErrors } from './errors.ts';
import type { TsaTables } from './tables.ts';
import {
  buildTimestampToken,
  grantedReply,
  positiveInteger,
  type TokenSigner,
  tokenSigner,
} from './token-builder.ts';
import { checkTimestampToken } from './token-check.ts';
import type { TimestampRequestOptions, TimestampSource, TimestampToken, TsaSettings } from './types.ts';

const UNIT = 'embedded';
const SERIAL_BLOCK = 256;

/** The development name (the default); staging and production names come from src/ca's naming. */
export const EMBEDDED_TSA_SUBJECT: readonly NameAttribute[] = [
  { type: 'C', value: 'JP' },
  { type: 'O', value: 'shomei' },
  { type: 'CN', value: 'shomei Development Time-Stamping Authority (TEST)' },
];

/** RFC 3161 PKIFailureInfo bit numbers. */
const FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  systemFailure: 25,
} as const;
type Failure = keyof typeof FAILURE_BITS;

export interface EmbeddedTsaDependencies {
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly settings: TsaSettings;
  readonly audit?: AuditTrail;
}

export interface TsaSetupDependencies extends EmbeddedTsaDependencies {
  readonly keys: KeyRegistry;
  /** Asks the CA for a TSA certificate for this CSR; returns it and the CA certificates above it. */
  readonly issueCertificate: (csr: Buffer) => Promise<{ certificate: Buffer; chain: readonly Buffer[] }>;
  /**
   * Subject of the TSA certificate and HSM key label (default: the development name and
   * "shomei-dev-tsa"); asked only when a key is made, so an existing TSA needs no name.
   */
  readonly naming?: () => { readonly subject: readonly NameAttribute[]; readonly keyLabel: string };
}

/** Who renews, and who approved it (two different people: key generation is under dual control). */
export interface TsaRenewalRequest {
  readonly operator: string;
  readonly approvedBy: string;
  /** Dual-control request id when approved online. */
  readonly requestId?: string;
  readonly now?: Date;
}

export interface TsaRenewal {
  readonly previous: { readonly serialNumber: string; readonly keyId: string; readonly notAfter: string };
  readonly current: { readonly serialNumber: string; readonly keyId: string; readonly notAfter: string };
  readonly previousKey: 'destroyed';
}

export interface TsaCertificateStatus {
  readonly serialNumber: string;
  readonly subject: string;
  readonly keyId: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly daysLeft: number;
  /** Certificates used before renewals, oldest first. */
  readonly retired: readonly {
    readonly serialNumber: string;
    readonly keyId: string;
    readonly retiredAt: string;
    readonly keyDisposition: string;
  }[];
}

const DAY = 86_400_000;
/** How often an expiry warning is repeated while the certificate stays unrenewed. */
const WARNING_REPEAT_MS = DAY;
/** How long an instance keeps using the unit it loaded before it looks for a renewal made elsewhere. */
const UNIT_REFRESH_MS = 60_000;

interface LoadedUnit {
  readonly keyId: string;
  readonly loadedAt: number;
  readonly token: TokenSigner;
  /** Read by the DER walker, not parsed (ADR 051): tokens copy its bytes, issuer and serial. */
  readonly certificate: CertificateParts;
  /** DER, issuing CA first. */
  readonly chain: readonly Buffer[];
}

function failInfo(failure: Failure): PKIFailureInfo {
  const bit = FAILURE_BITS[failure];
  const bytes = new Uint8Array((bit >> 3) + 1);
  bytes[bit >> 3] = 0x80 >> (bit & 7);
  return new PKIFailureInfo(bytes, bytes.length * 8 - (bit + 1));
}

export function rejection(failure: Failure, text: string): Buffer {
  return encode(
    new TimeStampResp({
      status: new PKIStatusInfo({
        status: PKIStatus.rejection,
        statusString: new PKIFreeText([text]),
        failInfo: failInfo(failure),
      }),
    }),
  );
}

export class EmbeddedTsa implements TimestampSource {
  private readonly db: Kysely<FoundationTables & TsaTables>;
  private loaded?: Promise<LoadedUnit> | undefined;
  private serials: { next: bigint; end: bigint } = { next: 0n, end: 0n };
  private serialLock: Promise<unknown> = Promise.resolve();
  private refreshing = false;

  constructor(private readonly deps: EmbeddedTsaDependencies) {
    this.db = deps.database.db.withTables<TsaTables>();
  }

  /** First run: TSA key in the HSM and its certificate from the CA (idempotent). */
  static async setup(deps: TsaSetupDependencies): Promise<boolean> {
    const db = deps.database.db.withTables<TsaTables>();
    const existing = await db
      .selectFrom('tsa_units')
      .select('name')
      .where('name', '=', UNIT)
      .executeTakeFirst();
    if (existing !== undefined) return false;
    const { key, issued, facts } = await newCertifiedKey(deps);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('tsa_units')
        .values({
          name: UNIT,
          key_id: key.id,
          certificate: issued.certificate,
          chain: Buffer.concat(issued.chain.map((c) => Buffer.from(c))),
          created_at: new Date().toISOString(),
          expiry_warned_at: null,
        })
        .execute();
      await trx.insertInto('tsa_serials').values({ name: UNIT, next_serial: 1 }).execute();
    });
    await deps.audit?.append({
      type: 'tsa.setup',
      actor: { kind: 'process', id: 'shomei-init' },
      subject: { kind: 'key', id: key.id },
      outcome: 'success',
      details: { certificateSerial: facts.serialNumber, algorithm: key.algorithm },
    });
    return true;
  }

  /**
   * Renewal: a new key in the HSM, its certificate from the CA (profile tsa), used for every new
   * token from now on (other instances switch within a minute, or at once when the old key fails).
   * The old certificate is kept in tsa_unit_history and its key destroyed (ETSI EN 319 421: a TSU key
   * is not used beyond its life); tokens it signed stay verifiable, as validators need only the
   * certificate. Serial numbers continue from the same counter, so they never repeat.
   */
  async renew(
    deps: Omit<TsaSetupDependencies, keyof EmbeddedTsaDependencies>,
    request: TsaRenewalRequest,
  ): Promise<TsaRenewal> {
    const operator = request.operator.trim();
    const approvedBy = request.approvedBy.trim();
    if (operator === '' || approvedBy === '' || operator === approvedBy) throw tsaErrors.renewalNeedsTwo();
    const old = await this.db.selectFrom('tsa_units').selectAll().where('name', '=', UNIT).executeTakeFirst();
    if (old === undefined) throw tsaErrors.notSetUp();
    const oldFacts = certificateFacts(parseCertificate(Buffer.from(old.certificate)));
    const now = request.now ?? new Date();
    // A dated label tells the generations apart in `pkcs11-tool --list-objects`.
    const { key, issued, facts } = await newCertifiedKey(
      { ...this.deps, ...deps },
      `-${now.toISOString().slice(0, 10).replaceAll('-', '')}`,
    );
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('tsa_unit_history')
          .values({
            serial_number: oldFacts.serialNumber,
            name: UNIT,
            key_id: old.key_id,
            certificate: old.certificate,
            chain: old.chain,
            active_from: old.created_at,
            retired_at: now.toISOString(),
            key_disposition: 'destroyed',
          })
          .execute();
        const updated = await trx
          .updateTable('tsa_units')
          .set({
            key_id: key.id,
            certificate: issued.certificate,
            chain: Buffer.concat(issued.chain.map((c) => Buffer.from(c))),
            created_at: now.toISOString(),
            expiry_warned_at: null,
          })
          .where('name', '=', UNIT)
          .where('key_id', '=', old.key_id)
          .executeTakeFirst();
        // Someone else renewed at the same moment: theirs stands, ours is undone.
        if (Number(updated.numUpdatedRows) !== 1) throw tsaErrors.renewalConflict();
      });
    } catch (error) {
      await deps.keys.markDestroyed(key.id, 'TSA renewal did not complete').catch(() => undefined);
      await this.deps.crypto.destroyKey(key.id).catch(() => undefined);
      throw error;
    }
    this.loaded = undefined;
    await this.deps.crypto.destroyKey(old.key_id);
    if ((await deps.keys.get(old.key_id))?.status === 'active') {
      await deps.keys.markDestroyed(
        old.key_id,
        `TSA key retired by renewal (certificate ${oldFacts.serialNumber})`,
      );
    }
    const renewal: TsaRenewal = {
      previous: {
        serialNumber: oldFacts.serialNumber,
        keyId: old.key_id,
        notAfter: oldFacts.notAfter.toISOString(),
      },
      current: { serialNumber: facts.serialNumber, keyId: key.id, notAfter: facts.notAfter.toISOString() },
      previousKey: 'destroyed',
    };
    await this.deps.audit?.append({
      type: 'tsa.renew',
      actor: { kind: 'operator', id: operator },
      subject: { kind: 'certificate', id: facts.serialNumber },
      outcome: 'success',
      details: {
        approvedBy,
        requestId: request.requestId,
        previousCertificate: oldFacts.serialNumber,
        previousKeyId: old.key_id,
        previousKey: 'destroyed',
        keyId: key.id,
        algorithm: key.algorithm,
        notAfter: facts.notAfter.toISOString(),
      },
    });
    return renewal;
  }

  /** The certificate in use, how long it has left, and the certificates retired before it. */
  async status(now: Date = new Date()): Promise<TsaCertificateStatus> {
    const row = await this.db.selectFrom('tsa_units').selectAll().where('name', '=', UNIT).executeTakeFirst();
    if (row === undefined) throw tsaErrors.notSetUp();
    const facts = certificateFacts(parseCertificate(Buffer.from(row.certificate)));
    const retired = await this.db
      .selectFrom('tsa_unit_history')
      .select(['serial_number', 'key_id', 'retired_at', 'key_disposition'])
      .where('name', '=', UNIT)
      .orderBy('retired_at')
      .execute();
    return {
      serialNumber: facts.serialNumber,
      subject: facts.subject,
      keyId: row.key_id,
      notBefore: facts.notBefore.toISOString(),
      notAfter: facts.notAfter.toISOString(),
      daysLeft: Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY),
      retired: retired.map((r) => ({
        serialNumber: r.serial_number,
        keyId: r.key_id,
        retiredAt: r.retired_at,
        keyDisposition: r.key_disposition,
      })),
    };
  }

  /** Every certificate the TSA has signed tokens with (current first), DER. */
  async certificates(): Promise<Buffer[]> {
    const retired = await this.db
      .selectFrom('tsa_unit_history')
      .select('certificate')
      .where('name', '=', UNIT)
      .orderBy('retired_at', 'desc')
      .execute();
    return [await this.certificate(), ...retired.map((r) => Buffer.from(r.certificate))];
  }

  /**
   * The scheduled check: when the certificate ends within `windowDays`, records
   * `tsa.certificate.expiring` in the audit trail (the audit alert rule "expiry-warning" turns it into
   * an alert for administrators), at most once a day. Returns whether it warned.
   */
  async checkExpiry(
    windowDays: number,
    now: Date = new Date(),
  ): Promise<{ warned: boolean; daysLeft: number }> {
    const status = await this.status(now);
    if (status.daysLeft >= windowDays) return { warned: false, daysLeft: status.daysLeft };
    const repeatBefore = new Date(now.getTime() - WARNING_REPEAT_MS).toISOString();
    // A conditional update claims the warning, so of several instances only one records it.
    const claimed = await this.db
      .updateTable('tsa_units')
      .set({ expiry_warned_at: now.toISOString() })
      .where('name', '=', UNIT)
      .where('key_id', '=', status.keyId)
      .where((eb) => eb.or([eb('expiry_warned_at', 'is', null), eb('expiry_warned_at', '<', repeatBefore)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return { warned: false, daysLeft: status.daysLeft };
    await this.deps.audit?.append({
      type: 'tsa.certificate.expiring',
      actor: { kind: 'process', id: 'tsa' },
      subject: { kind: 'certificate', id: status.serialNumber },
      outcome: 'success',
      details: {
        what: `TSA certificate ${status.serialNumber}`,
        notAfter: status.notAfter,
        daysLeft: status.daysLeft,
        windowDays,
        action: 'shomei tsa renew',
      },
    });
    return { warned: true, daysLeft: status.daysLeft };
  }

  /**
   * Checks the certificate's end now and once a day while the server runs (the timer does not keep
   * the process alive). Returns the function that stops it.
   */
  startExpiryChecks(onError: (error: unknown) => void = () => undefined): () => void {
    const days = this.settings.renewalWarningDays ?? 90;
    const check = () => void this.checkExpiry(days).catch(onError);
    check();
    const timer = setInterval(check, DAY);
    timer.unref();
    return () => clearInterval(timer);
  }

  get settings(): TsaSettings {
    return this.deps.settings;
  }

  /** The TSA certificate (DER). */
  async certificate(): Promise<Buffer> {
    return (await this.unit()).certificate.der;
  }

  /** The CA certificates above the TSA certificate (DER), issuing CA first. */
  async chain(): Promise<Buffer[]> {
    return [...(await this.unit()).chain];
  }

  /** Answers a DER TimeStampReq with a DER TimeStampResp. */
  async respond(queryDer: Uint8Array): Promise<Buffer> {
    if (queryDer.byteLength === 0 || queryDer.byteLength > PKI_LIMITS.timestampQuery) {
      return rejection('badDataFormat', 'the query is empty or too large');
    }
    let query: TimeStampReq;
    try {
      query = decodeAs(queryDer, TimeStampReq, 'timestamp query');
    } catch {
      return rejection('badDataFormat', 'the query is not a TimeStampReq');
    }
    if (query.version !== 1) return rejection('badRequest', 'unsupported version');
    const digestAlgorithm = digestAlgorithmFromOid(query.messageImprint.hashAlgorithm.algorithm);
    if (digestAlgorithm === undefined) return rejection('badAlg', 'SHA-256, SHA-384 or SHA-512 only');
    if (query.messageImprint.hashedMessage.byteLength !== DIGEST_LENGTH[digestAlgorithm]) {
      return rejection('badDataFormat', 'the digest length does not match its algorithm');
    }
    if (query.reqPolicy !== undefined && query.reqPolicy !== this.settings.policyOid) {
      return rejection('unacceptedPolicy', `policy ${this.settings.policyOid} only`);
    }
    if (query.extensions !== undefined && query.extensions.length > 0) {
      return rejection('unacceptedExtension', 'no extensions are supported');
    }
    if (query.nonce !== undefined && query.nonce.byteLength > 32) {
      return rejection('badDataFormat', 'the nonce is longer than 32 octets');
    }
    let token: Buffer;
    try {
      ({ token } = await this.issue(query.messageImprint, digestAlgorithm, query.nonce, query.certReq));
    } catch (error) {
      // The client gets systemFailure; the operator must see why (an HSM or database fault), never silently.
      await this.deps.audit
        ?.append({
          type: 'tsa.timestamp',
          actor: { kind: 'process', id: 'tsa' },
          outcome: 'failure',
          details: { reason: error instanceof Error ? error.message.slice(0, 200) : 'unknown' },
        })
        .catch(() => undefined);
      return rejection('systemFailure', 'the timestamp could not be produced');
    }
    return grantedReply(token);
  }

  /** In-process timestamp: the token DER (fits src/ades's TimestampAuthority port). */
  async timestamp(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm = 'SHA-256',
    options: TimestampRequestOptions = {},
  ): Promise<Buffer> {
    return (await this.issueFor(digest, digestAlgorithm, options)).token;
  }

  async timestampWithDetails(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm = 'SHA-256',
    options: TimestampRequestOptions = {},
  ): Promise<TimestampToken> {
    const { token, nonce } = await this.issueFor(digest, digestAlgorithm, options);
    const unit = await this.unit();
    // The full check costs more than producing the token; it also proves the HSM signed what we built.
    return checkTimestampToken(token, {
      digest,
      digestAlgorithm,
      nonce,
      certificates: [parseCertificate(unit.certificate.der)],
    });
  }

  private async issueFor(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm,
    options: TimestampRequestOptions,
  ): Promise<{ token: Buffer; nonce?: Uint8Array | undefined }> {
    if (digest.byteLength !== DIGEST_LENGTH[digestAlgorithm]) {
      throw tsaErrors.malformed('the digest length does not match its algorithm');
    }
    if (options.policy !== undefined && options.policy !== this.settings.policyOid) {
      throw tsaErrors.policyMismatch(options.policy);
    }
    const nonce = nonceBytes(options.nonce);
    const imprint = new MessageImprint({
      hashAlgorithm: digestAlgorithmIdentifier(digestAlgorithm),
      hashedMessage: new OctetString(digest),
    });
    const { token } = await this.issue(
      imprint,
      digestAlgorithm,
      nonce === undefined ? undefined : positiveInteger(nonce),
      options.certReq ?? true,
    );
    return { token, nonce };
  }

  private async issue(
    imprint: MessageImprint,
    _digestAlgorithm: DigestAlgorithm,
    nonce: ArrayBuffer | undefined,
    certReq: boolean,
  ): Promise<{ token: Buffer }> {
    try {
      return await this.issueWith(await this.unit(), imprint, nonce, certReq);
    } catch (error) {
      // Another process may have renewed the TSA and destroyed the key this one still holds.
      const stale = this.loaded;
      this.loaded = undefined;
      const fresh = await this.unit();
      if (stale === undefined || (await stale.catch(() => undefined))?.keyId === fresh.keyId) throw error;
      return this.issueWith(fresh, imprint, nonce, certReq);
    }
  }

  private async issueWith(
    unit: LoadedUnit,
    imprint: MessageImprint,
    nonce: ArrayBuffer | undefined,
    certReq: boolean,
  ): Promise<{ token: Buffer }> {
    const serialNumber = await this.nextSerial();
    const genTime = new Date(Math.floor(Date.now() / 1000) * 1000);
    return buildTimestampToken({
      content: {
        policy: this.settings.policyOid,
        messageImprint: imprint,
        serialNumber,
        genTime,
        accuracyMillis: this.settings.accuracyMillis,
        nonce,
      },
      unit: unit.token,
      includeCertificate: certReq,
    });
  }

  /** Serial numbers come from a database counter in blocks, so they never repeat across restarts or instances. */
  private async nextSerial(): Promise<bigint> {
    const take = async (): Promise<bigint> => {
      if (this.serials.next >= this.serials.end) {
        const row = await this.db
          .updateTable('tsa_serials')
          .set((eb) => ({ next_serial: eb('next_serial', '+', SERIAL_BLOCK) }))
          .where('name', '=', UNIT)
          .returning('next_serial')
          .executeTakeFirst();
        if (row === undefined) throw tsaErrors.notSetUp();
        const end = BigInt(row.next_serial);
        this.serials = { next: end - BigInt(SERIAL_BLOCK), end };
      }
      const serial = this.serials.next;
      this.serials.next += 1n;
      return serial;
    };
    const result = this.serialLock.then(take, take);
    this.serialLock = result.catch(() => undefined);
    return result;
  }

  private unit(): Promise<LoadedUnit> {
    const current = this.loaded;
    if (current !== undefined) {
      // Look for a renewal made by another process now and then (a cheap read of the key id).
      current
        .then(async (unit) => {
          if (Date.now() - unit.loadedAt < UNIT_REFRESH_MS || this.refreshing) return;
          this.refreshing = true;
          try {
            const row = await this.db
              .selectFrom('tsa_units')
              .select('key_id')
              .where('name', '=', UNIT)
              .executeTakeFirst();
            if (row !== undefined && row.key_id !== unit.keyId && this.loaded === current)
              this.loaded = undefined;
            else if (this.loaded === current)
              this.loaded = Promise.resolve({ ...unit, loadedAt: Date.now() });
          } finally {
            this.refreshing = false;
          }
        })
        .catch(() => undefined);
    }
    this.loaded ??= (async () => {
      const row = await this.db
        .selectFrom('tsa_units')
        .selectAll()
        .where('name', '=', UNIT)
        .executeTakeFirst();
      if (row === undefined) throw tsaErrors.notSetUp();
      const chainDer = Buffer.from(row.chain);
      const certificate = certificateParts(Buffer.from(row.certificate), 'TSA certificate');
      const signer = await digestSignerFor(this.deps.crypto, row.key_id);
      const chain = chainDer.length === 0 ? [] : splitDer(chainDer);
      return {
        keyId: row.key_id,
        loadedAt: Date.now(),
        token: tokenSigner(signer, certificate, this.settings.digestAlgorithm, chain),
        certificate,
        chain,
      };
    })();
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }
}

/** A TSA key generated and recorded in the HSM, with its certificate checked against it. */
async function newCertifiedKey(
  deps: Pick<TsaSetupDependencies, 'crypto' | 'keys' | 'settings' | 'issueCertificate' | 'naming'>,
  labelSuffix = '',
): Promise<{
  key: { id: string; algorithm: string };
  issued: { certificate: Buffer; chain: readonly Buffer[] };
  facts: ReturnType<typeof certificateFacts>;
}> {
  const naming = deps.naming?.() ?? { subject: EMBEDDED_TSA_SUBJECT, keyLabel: 'shomei-dev-tsa' };
  const key = await deps.crypto.generateSigningKey(
    deps.settings.keyAlgorithm,
    `${naming.keyLabel}${labelSuffix}`,
  );
  try {
    await deps.keys.record({
      keyId: key.id,
      label: key.label,
      kind: key.kind,
      algorithm: key.algorithm,
      purpose: 'tsa',
      publicKey: key.publicKey,
    });
  } catch (error) {
    await deps.crypto.destroyKey(key.id);
    throw error;
  }
  try {
    const signer = await digestSignerFor(deps.crypto, key.id);
    const issued = await deps.issueCertificate(await buildCsr(signer, naming.subject));
    const facts = certificateFacts(parseCertificate(issued.certificate));
    if (publicKeySha256(facts.publicKey) !== publicKeySha256(signer.publicKey)) {
      throw tsaErrors.certificateInvalid('the issued certificate does not match the TSA key');
    }
    return { key, issued, facts };
  } catch (error) {
    // A key without a certificate would never be used: it does not stay in the HSM.
    await deps.keys.markDestroyed(key.id, 'TSA certificate could not be issued').catch(() => undefined);
    await deps.crypto.destroyKey(key.id).catch(() => undefined);
    throw error;
  }
}

function nonceBytes(nonce: TimestampRequestOptions['nonce']): Uint8Array | undefined {
  if (nonce === false) return undefined;
  if (nonce === undefined || nonce === true) {
    const bytes = randomBytes(8);
    bytes[0] = (bytes[0]! & 0x7f) | 0x01;
    return new Uint8Array(bytes);
  }
  return nonce;
}

const chainWalker = derReader(malformed);

/**
 * Concatenated DER certificates, split by their headers. The chain goes into each token as the bytes
 * the CA gave at setup, so it is not parsed (two cold asn1js parses of every \`shomei sign\`, ADR 046);
 * each must still be one whole SEQUENCE.
 */
function splitDer(der: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < der.length; ) {
    const element = chainWalker.readElement(der, offset, 'TSA certificate chain');
    if (element.tag !== 0x30) throw malformed('TSA certificate chain', 'expected a certificate');
    out.push(element.raw);
    offset += element.raw.length;
  }
  return out;
}
