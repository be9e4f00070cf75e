/**
 * signatures/signDoc (csc-api-v2 §4.16, §6). Two inputs:
 *
 * - `documentDigests`: the SCA sends the document digest (for PAdES the digest of the PDF byte
 *   ranges); the SAD must cover exactly that digest; the answer is a detached CMS. CAdES: B-B to
 *   B-LTA inside the CMS. PAdES: B-B and B-T (signature timestamp in the CMS); B-LT means B-T plus
 *   `validationInfo` for the SCA's DSS (§6.5); B-LTA needs a document timestamp over the SCA's PDF
 *   and is refused.
 * - `documents`: the service signs the whole document. The SAD is bound to the digest of the
 *   document bytes as sent (§6.6 "the RSSP SHALL verify the document's hash against them"), with
 *   the signature's hash algorithm: an SCA can compute that before calling credentials/authorize,
 *   unlike the digest of a PDF revision the service writes. PAdES returns the signed PDF
 *   (B-B … B-LTA, the level's revisions appended by the ades module); CAdES returns the detached
 *   signature (B-B … B-LTA).
 *
 * Everything that can be refused (input, algorithms, PDF structure) is checked before the SAD is
 * spent; if anything fails after that, the reservation is released.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type TimestampAuthority as AdesTimestampAuthority,
  addDocumentTimestamp,
  addValidationData,
  completeCadesSignature,
  completePdfSignature,
  encodeSignedData,
  extendCadesSignature,
  gatherValidationData,
  levelAtLeast,
  type PdfSigningState,
  parseSignedData,
  prepareCadesSignature,
  preparePdfSignature,
  type RevocationInformation,
  type RevocationSource,
  type SignatureLevel,
  signatureCertificates,
} from '../ades/index.ts';
import type { AuditTrail } from '../audit/events.ts';
import type { CryptoModule, KeyAlgorithm } from '../crypto/index.ts';
import { nodeDigestName } from '../crypto/index.ts';
import type { SignatureActivationModule } from './activation.ts';
import { entitled, sadHashOf } from './activation.ts';
import { resolveSignAlgorithm } from './algorithms.ts';
import type { CredentialService } from './credentials.ts';
import { CSC, CscError, invalidRequest } from './errors.ts';
import { decodeHashes } from './hashes.ts';
import type { Clock, CmsSignatureBuilder } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import type { HashSigningService } from './signing.ts';
import type { CredentialTable } from './tables.ts';

export type SignDocFormat = 'P' | 'C';

export interface DocumentDigestRequest {
  readonly hashes: readonly string[];
  readonly hashAlgorithmOid?: string;
  readonly signatureFormat: SignDocFormat;
  readonly level?: SignatureLevel;
  readonly signAlgo: string;
  readonly signAlgoParams?: string;
}

export interface DocumentRequest {
  /** The decoded document. */
  readonly document: Buffer;
  readonly signatureFormat: SignDocFormat;
  readonly level?: SignatureLevel;
  /** PAdES: a certification signature (DocMDP 2) instead of an approval signature. */
  readonly certification?: boolean;
  readonly hashAlgorithmOid?: string;
  readonly signAlgo: string;
  readonly signAlgoParams?: string;
}

export interface SignDocRequest {
  readonly credentialId: string;
  readonly sad?: string;
  readonly documentDigests?: readonly DocumentDigestRequest[] | undefined;
  readonly documents?: readonly DocumentRequest[] | undefined;
  readonly returnValidationInfo?: boolean;
  readonly userId?: string;
  readonly source?: string;
}

export interface ValidationInfo {
  readonly ocsp: Buffer[];
  readonly crl: Buffer[];
  readonly certificates: Buffer[];
}

export interface SignDocResult {
  /** Detached signatures: documentDigests entries, then CAdES documents, each in request order. */
  readonly signatureObjects: Buffer[];
  /** Signed PDFs of PAdES documents, in request order. */
  readonly documentsWithSignature: Buffer[];
  readonly validationInfo?: ValidationInfo | undefined;
}

/** What signDoc can do with the services it was given (for info and for refusals). */
export interface SignDocCapabilities {
  readonly levels: readonly SignatureLevel[];
  readonly validationInfo: boolean;
}

type Resolved = ReturnType<typeof resolveSignAlgorithm>;

interface Planned {
  readonly kind: 'digest' | 'document';
  readonly format: SignDocFormat;
  readonly level: SignatureLevel;
  readonly algorithm: Resolved;
  /** The digest the SAD must cover. */
  readonly authorised: Buffer;
  readonly document?: Buffer;
  readonly certification?: boolean;
}

type Refuse = (error: CscError, extra?: Record<string, unknown>) => Promise<never>;

/** The digests the SAD must cover and the SAD's hash. */
interface Authorisation {
  readonly sadHash: string;
  readonly digests: Buffer[];
  readonly hashesHex: string[];
  readonly digestOid: string;
}

interface SignerCertificates {
  readonly signer: Buffer;
  readonly chain: Buffer[];
}

interface PreparedPdf {
  readonly state: PdfSigningState;
  readonly digestToSign: Buffer;
}

interface SigningContext {
  readonly keyId: string;
  readonly certificates: SignerCertificates;
  readonly revocation: RevocationSource | undefined;
}

interface Signed {
  readonly signatureObjects: Buffer[];
  readonly documentsWithSignature: Buffer[];
  /** Every CMS made, detached or inside a PDF, for validationInfo. */
  readonly producedCms: Buffer[];
}

function certificatesOf(credential: CredentialTable): SignerCertificates {
  const chain = (JSON.parse(credential.certificate_chain ?? '[]') as string[]).map((c) =>
    Buffer.from(c, 'base64'),
  );
  return { signer: Buffer.from(credential.certificate!), chain };
}

function signOptions(entry: Planned) {
  return { digestAlgorithm: entry.algorithm.digest, scheme: entry.algorithm.scheme };
}

/** Revocation answers remembered per request, so validationInfo returns exactly what was embedded. */
function rememberingSource(inner: RevocationSource): RevocationSource {
  const answers = new Map<string, Promise<RevocationInformation>>();
  const id = (c: Uint8Array, i: Uint8Array) =>
    createHash('sha256')
      .update(c)
      .update(Buffer.from([0]))
      .update(i)
      .digest('hex');
  return {
    get certificates() {
      return inner.certificates;
    },
    revocationFor(certificate, issuer) {
      const key = id(certificate, issuer);
      let answer = answers.get(key);
      if (answer === undefined) {
        answer = inner.revocationFor(certificate, issuer);
        answers.set(key, answer);
      }
      return answer;
    },
  };
}

export interface DocumentSigningDependencies {
  readonly crypto: CryptoModule;
  readonly credentials: CredentialService;
  readonly activation: SignatureActivationModule;
  readonly hashSigning: HashSigningService;
  readonly cms: CmsSignatureBuilder;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  /** The signature and document timestamps (B-T and above); absent: B-B only. */
  readonly tsa: AdesTimestampAuthority | undefined;
  /** OCSP/CRL/CA certificates for B-LT and B-LTA; absent: those levels are not offered. */
  readonly revocation: (RevocationSource & { load?(): Promise<void> }) | undefined;
  readonly maxDocumentBytes: number;
}

export class DocumentSigningService {
  constructor(private readonly deps: DocumentSigningDependencies) {}

  get capabilities(): SignDocCapabilities {
    const levels: SignatureLevel[] = ['B-B'];
    if (this.deps.tsa !== undefined) levels.push('B-T');
    if (this.deps.tsa !== undefined && this.deps.revocation !== undefined) levels.push('B-LT', 'B-LTA');
    return { levels, validationInfo: this.deps.revocation !== undefined };
  }

  get documentLimit(): number {
    return this.deps.maxDocumentBytes;
  }

  /**
   * Staged: plan (every entry resolved, decoded and hashed) → prepare (PDF revisions written) →
   * consume the authorisation → sign (one HSM signature per entry) → assemble (validation data, the
   * audit record, the answer). Everything before consume is refused without spending the SAD.
   */
  async signDoc(principal: RsspPrincipal, request: SignDocRequest): Promise<SignDocResult> {
    const userId = principal.userId ?? request.userId ?? null;
    const credential = await this.deps.credentials.get(request.credentialId);
    const refuse = this.refusal(principal, request, userId, credential);
    if (credential === undefined || !entitled(principal, credential, userId))
      return refuse(CSC.invalidParameter('credentialID'));
    const planned = await this.plan(credential, request).catch((error: unknown) =>
      error instanceof CscError ? refuse(error) : Promise.reject(error),
    );
    const authorisation = await this.authorisationOf(principal, credential, request, planned, refuse);
    const hashes = { hashes: authorisation.hashesHex };
    // Inside the try/finally below refusals are awaited, so that the rejection is handled before
    // the temporary directory is removed.
    const workDir = planned.some((p) => p.kind === 'document' && p.format === 'P')
      ? await mkdtemp(path.join(tmpdir(), 'shomei-signdoc-'))
      : undefined;
    try {
      const certificates = certificatesOf(credential);
      const pdfStates = await this.prepare(planned, certificates, workDir).catch((error: unknown) =>
        refuse(error instanceof CscError ? error : CSC.invalidParameter('documents'), hashes),
      );
      const consumed = await this.consumeAuthorisation(principal, credential, authorisation, refuse);
      const revocation =
        this.deps.revocation === undefined ? undefined : rememberingSource(this.deps.revocation);
      if (this.deps.revocation?.load !== undefined && planned.some((p) => levelAtLeast(p.level, 'B-LT')))
        await this.deps.revocation.load();
      const signed = await this.sign(credential, certificates, planned, pdfStates, workDir, revocation).catch(
        async (error: unknown) => {
          await this.deps.activation.release(authorisation.sadHash, authorisation.digests);
          const failure = new CscError('server_error', 'The signature could not be created', 500);
          await refuse(failure, hashes).catch(() => undefined);
          throw error;
        },
      );
      return await this.assemble(principal, credential, request, planned, signed, {
        revocation,
        hashesHex: authorisation.hashesHex,
        authenticationMethod: consumed.authMethod,
      });
    } finally {
      if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Records a refused signDoc (GL 7.1.4) and throws the refusal. */
  private refusal(
    principal: RsspPrincipal,
    request: SignDocRequest,
    userId: string | null,
    credential: CredentialTable | undefined,
  ): Refuse {
    return async (error, extra = {}) => {
      await this.deps.audit.append({
        type: 'signature.create',
        actor:
          userId === null
            ? { kind: 'client-system', id: principal.clientId ?? 'unknown' }
            : { kind: 'user', id: userId },
        subject: { kind: 'credential', id: request.credentialId.slice(0, 100) },
        outcome: 'failure',
        source: request.source,
        details: {
          method: 'signDoc',
          reason: error.description,
          clientId: principal.clientId,
          certificateSerial: credential?.cert_serial ?? null,
          ...extra,
        },
      });
      throw error;
    };
  }

  /** Stage 1: every entry resolved, decoded and hashed before anything is spent. */
  private async plan(credential: CredentialTable, request: SignDocRequest): Promise<Planned[]> {
    const key = credential.key_algorithm as KeyAlgorithm;
    const capabilities = this.capabilities;
    const planned: Planned[] = [];
    if (request.returnValidationInfo === true && !capabilities.validationInfo)
      throw CSC.invalidParameter('returnValidationInfo');
    for (const entry of request.documentDigests ?? []) {
      const level = entry.level ?? 'B-B';
      if (!capabilities.levels.includes(level) || (entry.signatureFormat === 'P' && level === 'B-LTA'))
        throw CSC.invalidParameter('conformance_level');
      const algorithm = resolveSignAlgorithm(
        key,
        entry.signAlgo,
        entry.hashAlgorithmOid,
        entry.signAlgoParams,
      );
      if (entry.signatureFormat === 'C' && level === 'B-LTA' && algorithm.digest !== 'SHA-256') {
        // The archive timestamp's hash index needs the content's SHA-256, which we do not have.
        throw CSC.invalidParameter('conformance_level');
      }
      for (const digest of decodeHashes(entry.hashes, algorithm.digest))
        planned.push({ kind: 'digest', format: entry.signatureFormat, level, algorithm, authorised: digest });
    }
    let total = 0;
    for (const entry of request.documents ?? []) {
      const level = entry.level ?? 'B-B';
      if (!capabilities.levels.includes(level)) throw CSC.invalidParameter('conformance_level');
      const algorithm = resolveSignAlgorithm(
        key,
        entry.signAlgo,
        entry.hashAlgorithmOid,
        entry.signAlgoParams,
      );
      total += entry.document.length;
      if (total > this.deps.maxDocumentBytes) throw documentsTooLarge(this.deps.maxDocumentBytes);
      const authorised = createHash(nodeDigestName(algorithm.digest)).update(entry.document).digest();
      planned.push({
        kind: 'document',
        format: entry.signatureFormat,
        level,
        algorithm,
        authorised,
        document: entry.document,
        ...(entry.certification === true ? { certification: true } : {}),
      });
    }
    return planned;
  }

  /** What the SAD must cover: one digest algorithm, no digest twice, a usable credential, a SAD. */
  private async authorisationOf(
    principal: RsspPrincipal,
    credential: CredentialTable,
    request: SignDocRequest,
    planned: readonly Planned[],
    refuse: Refuse,
  ): Promise<Authorisation> {
    if (planned.length === 0) return refuse(invalidRequest('Empty documentDigests and documents objects'));
    const digestOids = new Set(planned.map((e) => e.algorithm.digestOid));
    if (digestOids.size !== 1) return refuse(CSC.invalidParameter('hashAlgorithmOID'));
    const digests = planned.map((e) => e.authorised);
    const hashesHex = digests.map((d) => d.toString('hex'));
    if (new Set(hashesHex).size !== digests.length) return refuse(CSC.invalidParameter('hashes'));
    const problem = await this.deps.hashSigning.signingProblem(credential);
    if (problem !== undefined) return refuse(problem, { hashes: hashesHex });
    let sadHash: string;
    if (request.sad !== undefined) sadHash = sadHashOf(request.sad);
    else if (principal.scope === 'credential') sadHash = principal.tokenHash;
    else return refuse(CSC.missingString('SAD'), { hashes: hashesHex });
    return { sadHash, digests, hashesHex, digestOid: [...digestOids][0]! };
  }

  /**
   * Stage 2: PDFs are prepared (parsed, revision with the /Contents hole written) before the SAD is
   * spent, so a document that is not a PDF is refused without costing the signer an authorisation.
   */
  private async prepare(
    planned: readonly Planned[],
    certificates: SignerCertificates,
    workDir: string | undefined,
  ): Promise<Map<number, PreparedPdf>> {
    const pdfStates = new Map<number, PreparedPdf>();
    for (const [index, entry] of planned.entries()) {
      if (entry.kind !== 'document' || entry.format !== 'P') continue;
      const prepared = await preparePdfSignature({
        input: entry.document!,
        preparedPath: path.join(workDir!, `prepared-${index}.pdf`),
        signerCertificate: certificates.signer,
        certificateChain: certificates.chain,
        level: entry.level,
        digestAlgorithm: entry.algorithm.digest,
        signatureScheme: entry.algorithm.scheme,
        signingTime: this.deps.clock(),
        ...(entry.certification === true ? { docMdp: 2 as const } : {}),
      });
      pdfStates.set(index, { state: prepared.state, digestToSign: prepared.digestToSign });
    }
    return pdfStates;
  }

  /** Stage 3: the SAD is spent for exactly the planned digests. */
  private async consumeAuthorisation(
    principal: RsspPrincipal,
    credential: CredentialTable,
    authorisation: Authorisation,
    refuse: Refuse,
  ): Promise<Awaited<ReturnType<SignatureActivationModule['consume']>>> {
    const { sadHash, digests, digestOid, hashesHex } = authorisation;
    try {
      return await this.deps.activation.consume(principal, credential, sadHash, digests, digestOid);
    } catch (error) {
      // The specification's signDoc answer for a digest or document outside the authorisation.
      if (error instanceof CscError && error.description === 'Hash is not authorized by the SAD') {
        return await refuse(
          new CscError('invalid_hash', 'Document or documentDigest does not match authorized hash', 403),
          { hashes: hashesHex },
        );
      }
      if (error instanceof CscError) return await refuse(error, { hashes: hashesHex });
      throw error;
    }
  }

  /** Stage 4: one HSM signature per entry; detached results first (digests, then CAdES), PDFs after. */
  private async sign(
    credential: CredentialTable,
    certificates: SignerCertificates,
    planned: readonly Planned[],
    pdfStates: ReadonlyMap<number, PreparedPdf>,
    workDir: string | undefined,
    revocation: RevocationSource | undefined,
  ): Promise<Signed> {
    const signed: Signed = { signatureObjects: [], documentsWithSignature: [], producedCms: [] };
    const order = [
      ...planned.filter((p) => p.kind === 'digest'),
      ...planned.filter((p) => p.kind === 'document' && p.format === 'C'),
      ...planned.filter((p) => p.kind === 'document' && p.format === 'P'),
    ];
    const context = { keyId: credential.key_id!, certificates, revocation };
    for (const entry of order) {
      if (entry.kind === 'digest') {
        const cms = await this.signDigestEntry(entry, context);
        signed.signatureObjects.push(cms);
        signed.producedCms.push(cms);
      } else if (entry.format === 'C') {
        const cms = await this.signCadesDocument(entry, context);
        signed.signatureObjects.push(cms);
        signed.producedCms.push(cms);
      } else {
        const index = planned.indexOf(entry);
        const pdf = await this.signPdfDocument(entry, index, pdfStates.get(index)!, workDir!, context);
        signed.documentsWithSignature.push(pdf.document);
        signed.producedCms.push(pdf.cms);
      }
    }
    return signed;
  }

  /** A detached CMS over the SCA's digest; PAdES from digests stops at B-T inside the CMS. */
  private async signDigestEntry(entry: Planned, context: SigningContext): Promise<Buffer> {
    const prepared = this.deps.cms.prepare({
      contentDigest: entry.authorised,
      digestAlgorithm: entry.algorithm.digest,
      signatureScheme: entry.algorithm.scheme,
      signerCertificate: context.certificates.signer,
      certificateChain: context.certificates.chain,
      ...(entry.format === 'C' ? { signingTime: this.deps.clock() } : {}),
    });
    const value = await this.deps.crypto.signDigest(context.keyId, prepared.digestToSign, signOptions(entry));
    const cms = this.deps.cms.complete(prepared.state, value);
    // B-LT material for PAdES goes to validationInfo, not into the CMS.
    const inside: SignatureLevel =
      entry.format === 'P' && levelAtLeast(entry.level, 'B-T') ? 'B-T' : entry.level;
    if (inside === 'B-B') return cms;
    return encodeSignedData(
      await extendCadesSignature(parseSignedData(cms), {
        level: inside,
        tsa: this.deps.tsa!,
        revocationSource: context.revocation,
      }),
    );
  }

  /** A detached CAdES signature over a whole document, at its level. */
  private async signCadesDocument(entry: Planned, context: SigningContext): Promise<Buffer> {
    const prepared = await prepareCadesSignature({
      content: entry.document!,
      signerCertificate: context.certificates.signer,
      certificateChain: context.certificates.chain,
      digestAlgorithm: entry.algorithm.digest,
      signatureScheme: entry.algorithm.scheme,
      signingTime: this.deps.clock(),
      maxContentBytes: this.deps.maxDocumentBytes,
    });
    const value = await this.deps.crypto.signDigest(context.keyId, prepared.digestToSign, signOptions(entry));
    return completeCadesSignature({
      state: prepared.state,
      signatureValue: value,
      level: entry.level,
      content: entry.document!,
      tsa: this.deps.tsa,
      revocationSource: context.revocation,
    });
  }

  /** The prepared PDF revision signed, then the level's validation data and document timestamp. */
  private async signPdfDocument(
    entry: Planned,
    index: number,
    prepared: PreparedPdf,
    workDir: string,
    context: SigningContext,
  ): Promise<{ document: Buffer; cms: Buffer }> {
    const value = await this.deps.crypto.signDigest(context.keyId, prepared.digestToSign, signOptions(entry));
    let current = path.join(workDir, `signed-${index}.pdf`);
    const { cms } = await completePdfSignature({
      state: prepared.state,
      signatureValue: value,
      output: current,
      ...(levelAtLeast(entry.level, 'B-T') ? { tsa: this.deps.tsa! } : {}),
    });
    if (levelAtLeast(entry.level, 'B-LT')) {
      const next = path.join(workDir, `lt-${index}.pdf`);
      await addValidationData({
        input: current,
        output: next,
        revocationSource: context.revocation!,
        scope: { fieldNames: [prepared.state.fieldName] },
      });
      current = next;
    }
    if (levelAtLeast(entry.level, 'B-LTA')) {
      const next = path.join(workDir, `lta-${index}.pdf`);
      await addDocumentTimestamp({ input: current, output: next, tsa: this.deps.tsa! });
      current = next;
    }
    return { document: await readFile(current), cms };
  }

  /** Stage 5: validation data when asked for, the audit record, the answer. */
  private async assemble(
    principal: RsspPrincipal,
    credential: CredentialTable,
    request: SignDocRequest,
    planned: readonly Planned[],
    signed: Signed,
    facts: { revocation: RevocationSource | undefined; hashesHex: string[]; authenticationMethod: unknown },
  ): Promise<SignDocResult> {
    let validationInfo: ValidationInfo | undefined;
    if (request.returnValidationInfo === true && facts.revocation !== undefined) {
      validationInfo = await this.validationInfoOf(signed.producedCms, facts.revocation);
    }
    await this.deps.audit.append({
      type: 'signature.create',
      actor: { kind: 'user', id: credential.user_id },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: 'success',
      source: request.source,
      details: {
        method: 'signDoc',
        formats: planned.map((e) => e.format),
        inputs: planned.map((e) => e.kind),
        levels: planned.map((e) => e.level),
        credentialId: credential.credential_id,
        certificateSerial: credential.cert_serial,
        hashes: facts.hashesHex,
        clientId: principal.clientId,
        userId: credential.user_id,
        serviceAuthentication: principal.authMethod,
        authenticationMethod: facts.authenticationMethod,
      },
    });
    return {
      signatureObjects: signed.signatureObjects,
      documentsWithSignature: signed.documentsWithSignature,
      validationInfo,
    };
  }

  /** Certificates and revocation data (the same answers that were embedded) for every signature made. */
  private async validationInfoOf(
    signatures: readonly Buffer[],
    source: RevocationSource,
  ): Promise<ValidationInfo> {
    const info: ValidationInfo = { ocsp: [], crl: [], certificates: [] };
    const add = (list: Buffer[], items: readonly Buffer[]) => {
      for (const item of items) if (!list.some((x) => x.equals(item))) list.push(item);
    };
    for (const cms of signatures) {
      const carried = signatureCertificates(cms);
      const material = await gatherValidationData(carried.signers, carried.pool, source);
      add(info.certificates, material.certificates);
      add(info.crl, material.crls);
      add(info.ocsp, material.ocspResponses);
    }
    return info;
  }
}

export function documentsTooLarge(limit: number): CscError {
  return invalidRequest(`Invalid parameter documents (larger than ${limit} bytes in one request)`);
}

export function unsupportedLevel(): CscError {
  return invalidRequest('Invalid parameter conformance_level');
}
