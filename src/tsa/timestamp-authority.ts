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
  certificateFacts,
  decodeAs,
  digestAlgorithmFromOid,
  digestAlgorithmIdentifier,
  encode,
  type NameAttribute,
  type ParsedCertificate,
  PKI_LIMITS,
  parseCertificate,
  parseCertificates,
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
}

interface LoadedUnit {
  readonly token: TokenSigner;
  readonly certificate: ParsedCertificate;
  readonly chain: readonly ParsedCertificate[];
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
  private loaded?: Promise<LoadedUnit>;
  private serials: { next: bigint; end: bigint } = { next: 0n, end: 0n };
  private serialLock: Promise<unknown> = Promise.resolve();

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
    const key = await deps.crypto.generateSigningKey(deps.settings.keyAlgorithm, 'shomei-dev-tsa');
    try {
      await deps.keys.record({
        keyId: key.id,
        label: key.label,
        kind: key.kind,
        algorithm: key.algorithm,
        purpose: 'tsa',
        ...(key.publicKey === undefined ? {} : { publicKey: key.publicKey }),
      });
    } catch (error) {
      await deps.crypto.destroyKey(key.id);
      throw error;
    }
    const signer = await digestSignerFor(deps.crypto, key.id);
    const issued = await deps.issueCertificate(await buildCsr(signer, EMBEDDED_TSA_SUBJECT));
    const facts = certificateFacts(parseCertificate(issued.certificate));
    if (publicKeySha256(facts.publicKey) !== publicKeySha256(signer.publicKey)) {
      throw tsaErrors.certificateInvalid('the issued certificate does not match the TSA key');
    }
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('tsa_units')
        .values({
          name: UNIT,
          key_id: key.id,
          certificate: issued.certificate,
          chain: Buffer.concat(issued.chain.map((c) => Buffer.from(c))),
          created_at: new Date().toISOString(),
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

  get settings(): TsaSettings {
    return this.deps.settings;
  }

  /** The TSA certificate (DER). */
  async certificate(): Promise<Buffer> {
    return (await this.unit()).certificate.der;
  }

  /** The CA certificates above the TSA certificate (DER), issuing CA first. */
  async chain(): Promise<Buffer[]> {
    return (await this.unit()).chain.map((c) => c.der);
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
      ...(nonce === undefined ? {} : { nonce }),
      certificates: [unit.certificate],
    });
  }

  private async issueFor(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm,
    options: TimestampRequestOptions,
  ): Promise<{ token: Buffer; nonce?: Uint8Array }> {
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
    return { token, ...(nonce === undefined ? {} : { nonce }) };
  }

  private async issue(
    imprint: MessageImprint,
    _digestAlgorithm: DigestAlgorithm,
    nonce: ArrayBuffer | undefined,
    certReq: boolean,
  ): Promise<{ token: Buffer }> {
    const unit = await this.unit();
    const serialNumber = await this.nextSerial();
    const genTime = new Date(Math.floor(Date.now() / 1000) * 1000);
    return buildTimestampToken({
      content: {
        policy: this.settings.policyOid,
        messageImprint: imprint,
        serialNumber,
        genTime,
        accuracyMillis: this.settings.accuracyMillis,
        ...(nonce === undefined ? {} : { nonce }),
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
    this.loaded ??= (async () => {
      const row = await this.db
        .selectFrom('tsa_units')
        .selectAll()
        .where('name', '=', UNIT)
        .executeTakeFirst();
      if (row === undefined) throw tsaErrors.notSetUp();
      const chainDer = Buffer.from(row.chain);
      const certificate = parseCertificate(Buffer.from(row.certificate));
      const signer = await digestSignerFor(this.deps.crypto, row.key_id);
      return {
        token: tokenSigner(signer, certificate, this.settings.digestAlgorithm),
        certificate,
        chain: chainDer.length === 0 ? [] : splitDer(chainDer),
      };
    })();
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
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

/** Concatenated DER certificates, split. */
function splitDer(der: Buffer): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  let offset = 0;
  while (offset < der.length) {
    const len = derLength(der, offset);
    out.push(...parseCertificates(der.subarray(offset, offset + len)));
    offset += len;
  }
  return out;
}

function derLength(der: Buffer, offset: number): number {
  const first = der[offset + 1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  let len = 0;
  for (let i = 0; i < count; i += 1) len = len * 256 + der[offset + 2 + i]!;
  return 2 + count + len;
}
