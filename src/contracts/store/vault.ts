/**
 * Documents at rest. Each document gets a random content key that Node uses for AES-256-GCM over
 * every version of the document; the content key is kept only sealed (AES-GCM in the HSM) under the
 * current epoch's `contract-document` KEK, with the document id as additional data, so a sealed key
 * opens for its own document only (ADR 017). Deleting a document destroys its sealed key and its
 * ciphertext; a database copy or backup made before can still open it until that KEK epoch is
 * destroyed by a rotation (docs/practice-statement.md states the window).
 *
 * Documents created before the key hierarchy have their own HSM key instead (hsm_key_id names it);
 * `shomei keys migrate-wrapped` moves them under the KEK and destroys those keys.
 *
 * Each read checks the GCM tag (bound to document id and version) and the stored SHA-256; a changed
 * byte is reported as SHOMEI_DOCUMENT_TAMPERED and nothing is served.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { AuditActor, AuditTrail } from '../../audit/index.ts';
import type { CryptoModule } from '../../crypto/index.ts';
import { type DialectName, KekRing, type KeyRegistry } from '../../store/index.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractsTables, DocumentTable, DocumentVersionTable } from './tables.ts';
import type { WorkflowTables } from './workflow-tables.ts';

export const DOCUMENT_KEY_PURPOSE = 'contract-document';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface VaultDependencies {
  readonly db: Kysely<ContractsTables>;
  readonly dialect: DialectName;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly audit: AuditTrail;
  /** Blob files on SQLite; unused on PostgreSQL (the database holds the ciphertext). */
  readonly blobDirectory: string;
}

/** A version encrypted and ready to be recorded inside the caller's transaction. */
export interface PreparedVersion {
  readonly row: DocumentVersionTable;
  /** The file written for it (SQLite), removed again if the transaction does not commit. */
  readonly file: string | undefined;
}

/** The tables whose rows carry a sealed content key. */
export type KeyedDocumentTable = 'contract_documents' | 'contract_template_documents';

/** What reseal needs of such a row. */
export interface SealedDocumentKey {
  readonly id: string;
  readonly hsm_key_id: string;
  readonly sealed_key: Uint8Array;
}

export interface NewDocumentKey {
  readonly hsmKeyId: string;
  readonly sealedKey: Buffer;
  readonly contentKey: Buffer;
}

function aad(documentId: string, version: number): Buffer {
  return Buffer.from(`shomei/contract-document/${documentId}/${version}`, 'utf8');
}

/** Binds a sealed content key to its document: it opens under the KEK for this id only. */
export function contentKeyAad(documentId: string): Buffer {
  return Buffer.from(`shomei/contract-document-key/v1/${documentId}`, 'utf8');
}

export class DocumentVault {
  private readonly keks: KekRing;
  /** KEK ids seen: a KEK id stays one, so a positive answer can be kept. */
  private readonly knownKeks = new Set<string>();

  constructor(private readonly deps: VaultDependencies) {
    if (deps.dialect === 'sqlite') mkdirSync(deps.blobDirectory, { recursive: true, mode: 0o700 });
    this.keks = new KekRing(deps.crypto, deps.keys);
  }

  /** A fresh content key for a new document, sealed under the current document KEK. */
  async newDocumentKey(documentId: string): Promise<NewDocumentKey> {
    const contentKey = randomBytes(32);
    const seal = async () => {
      const kekId = await this.keks.currentKek(DOCUMENT_KEY_PURPOSE);
      this.knownKeks.add(kekId);
      const sealedKey = await this.deps.crypto.encryptWithKey(kekId, contentKey, contentKeyAad(documentId));
      return { hsmKeyId: kekId, sealedKey, contentKey };
    };
    try {
      return await seal();
    } catch (error) {
      // Another process (shomei keys rotate-kek) may have destroyed the epoch this one still had
      // as current: read the current epoch again, once.
      if ((error as { code?: string }).code !== 'SHOMEI_KEY_NOT_FOUND') throw error;
      this.keks.forget(DOCUMENT_KEY_PURPOSE);
      return seal();
    }
  }

  /** True when a document's key is sealed under a KEK rather than held by a key of its own. */
  async isKekSealed(hsmKeyId: string): Promise<boolean> {
    if (this.knownKeks.has(hsmKeyId)) return true;
    // Asked of the HSM (KEK labels are `kek:<purpose>:<epoch>`), not the database: this runs inside
    // callers' transactions, and on SQLite a query beside one would wait for it forever.
    const key = await this.deps.crypto.getKey(hsmKeyId).catch(() => undefined);
    if (key === undefined || !key.label.startsWith('kek:')) return false;
    this.knownKeks.add(hsmKeyId);
    return true;
  }

  /**
   * Seals a document's content key again under the given KEK (the current epoch): for a document
   * with a key of its own (migration) or under an older KEK epoch (rotation). The row changes only if
   * nobody changed it meanwhile; returns the key id it was sealed under before, or undefined.
   */
  async reseal(
    table: KeyedDocumentTable,
    row: SealedDocumentKey,
    kekId: string,
  ): Promise<string | undefined> {
    if (row.hsm_key_id === kekId) return undefined;
    const wasKek = await this.isKekSealed(row.hsm_key_id);
    const aadOf = contentKeyAad(row.id);
    const contentKey = await this.deps.crypto.decryptWithKey(
      row.hsm_key_id,
      row.sealed_key,
      wasKek ? aadOf : undefined,
    );
    const sealed = await this.deps.crypto.encryptWithKey(kekId, contentKey, aadOf);
    contentKey.fill(0);
    const changed = await this.deps.db
      .withTables<WorkflowTables>()
      .updateTable(table)
      .set({ hsm_key_id: kekId, sealed_key: sealed })
      .where('id', '=', row.id)
      .where('hsm_key_id', '=', row.hsm_key_id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(changed.numUpdatedRows) === 1 ? row.hsm_key_id : undefined;
  }

  /** Active rows of a table whose content key is sealed under none of `current`, a page at a time. */
  async rowsToReseal(
    table: KeyedDocumentTable,
    current: readonly string[],
    limit: number,
  ): Promise<SealedDocumentKey[]> {
    let query = this.deps.db
      .withTables<WorkflowTables>()
      .selectFrom(table)
      .select(['id', 'hsm_key_id', 'sealed_key'])
      .where('status', '=', 'active')
      .where('sealed_key', 'is not', null)
      .where('hsm_key_id', 'is not', null);
    if (current.length > 0) query = query.where('hsm_key_id', 'not in', [...current]);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, hsm_key_id: r.hsm_key_id!, sealed_key: r.sealed_key! }));
  }

  /** True while any active document (or template document) is sealed under this key id. */
  async sealsAnything(hsmKeyId: string): Promise<boolean> {
    const db = this.deps.db.withTables<WorkflowTables>();
    for (const table of ['contract_documents', 'contract_template_documents'] as const) {
      const row = await db
        .selectFrom(table)
        .select('id')
        .where('hsm_key_id', '=', hsmKeyId)
        .where('status', '=', 'active')
        .where('sealed_key', 'is not', null)
        .limit(1)
        .executeTakeFirst();
      if (row !== undefined) return true;
    }
    return false;
  }

  /** Undoes newDocumentKey when the document was never recorded. */
  async discardKey(hsmKeyId: string, reason = 'document not created'): Promise<number> {
    // A KEK protects every document of its epoch: the document's sealed key goes with its row.
    if (await this.isKekSealed(hsmKeyId)) return 0;
    const destroyed = await this.deps.crypto.destroyKey(hsmKeyId).catch(() => 0);
    await this.deps.keys.markDestroyed(hsmKeyId, reason).catch(() => undefined);
    return destroyed;
  }

  /** Overwrites and removes a blob file (SQLite) of a version kept outside the version table. */
  async removeBlob(blobRef: string | null): Promise<void> {
    if (blobRef !== null) await overwriteAndRemove(path.join(this.deps.blobDirectory, safeName(blobRef)));
  }

  /** Opens a key sealed by newDocumentKey(id) for something other than a document (bulk codes). */
  async unsealKey(id: string, hsmKeyId: string, sealedKey: Uint8Array): Promise<Buffer> {
    return this.deps.crypto.decryptWithKey(hsmKeyId, sealedKey, contentKeyAad(id));
  }

  async contentKeyOf(document: DocumentTable): Promise<Buffer> {
    if (document.status === 'shredded' || document.sealed_key === null || document.hsm_key_id === null) {
      throw contractErrors.shredded();
    }
    try {
      const sealedUnderKek = await this.isKekSealed(document.hsm_key_id);
      const aad = sealedUnderKek ? contentKeyAad(document.id) : undefined;
      return await this.deps.crypto.decryptWithKey(document.hsm_key_id, document.sealed_key, aad);
    } catch {
      await this.reportTamper(document.id, document.current_version, 'content key cannot be unsealed');
      throw contractErrors.tampered(document.id, document.current_version);
    }
  }

  /** Encrypts one version; writes its file now (SQLite) so the caller's transaction only records rows. */
  async prepareVersion(
    documentId: string,
    version: number,
    kind: string,
    contentKey: Buffer,
    plaintext: Uint8Array,
  ): Promise<PreparedVersion> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', contentKey, iv);
    cipher.setAAD(aad(documentId, version));
    const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const row: DocumentVersionTable = {
      document_id: documentId,
      version,
      kind,
      sha256: sha256Hex(plaintext),
      size: plaintext.length,
      data: null,
      blob_ref: null,
      created_at: new Date().toISOString(),
    };
    if (this.deps.dialect === 'postgres') return { row: { ...row, data: sealed }, file: undefined };
    const name = `${documentId}.${version}.${randomBytes(8).toString('hex')}.bin`;
    const file = path.join(this.deps.blobDirectory, name);
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(sealed);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    return { row: { ...row, blob_ref: name }, file };
  }

  async record(trx: Transaction<ContractsTables>, prepared: PreparedVersion): Promise<void> {
    try {
      await trx.insertInto('contract_document_versions').values(prepared.row).execute();
    } catch (error) {
      // Another instance wrote this version first: the caller's act lost the race.
      if (/unique|duplicate/i.test(String((error as Error).message))) throw contractErrors.conflict();
      throw error;
    }
  }

  /**
   * Blob files (SQLite) of an envelope's documents that no version records: what prepareVersion wrote
   * for a process killed before its transaction committed. Only safe while nothing else is writing
   * versions of these documents (start-up).
   */
  async removeUnrecordedBlobs(envelopeId: string): Promise<number> {
    if (this.deps.dialect !== 'sqlite') return 0;
    const rows = await this.deps.db
      .selectFrom('contract_documents as d')
      .leftJoin('contract_document_versions as v', 'v.document_id', 'd.id')
      .select(['d.id as documentId', 'v.blob_ref as blobRef'])
      .where('d.envelope_id', '=', envelopeId)
      .execute();
    const documents = new Set(rows.map((r) => r.documentId));
    const recorded = new Set(rows.map((r) => r.blobRef).filter((r): r is string => r !== null));
    let removed = 0;
    for (const name of await readdir(this.deps.blobDirectory)) {
      const documentId = name.slice(0, name.indexOf('.'));
      if (!documents.has(documentId) || recorded.has(name)) continue;
      await overwriteAndRemove(path.join(this.deps.blobDirectory, safeName(name)));
      removed += 1;
    }
    return removed;
  }

  /** Removes what prepareVersion wrote when its transaction did not commit. */
  async abandon(prepared: readonly PreparedVersion[]): Promise<void> {
    await Promise.all(prepared.map((p) => (p.file === undefined ? undefined : rm(p.file, { force: true }))));
  }

  /** The plaintext of a version (default: the current one), after the tamper checks. */
  async read(document: DocumentTable, version: number = document.current_version): Promise<Buffer> {
    const row = await this.deps.db
      .selectFrom('contract_document_versions')
      .selectAll()
      .where('document_id', '=', document.id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) {
      await this.reportTamper(document.id, version, 'version record missing');
      throw contractErrors.tampered(document.id, version);
    }
    return this.open(document, row);
  }

  /** Decrypts one stored version row and checks it (also for template documents, kept in their own table). */
  async open(document: DocumentTable, row: DocumentVersionTable): Promise<Buffer> {
    const version = row.version;
    const contentKey = await this.contentKeyOf(document);
    let sealed: Buffer;
    try {
      sealed =
        row.data !== null
          ? Buffer.from(row.data)
          : await readFile(path.join(this.deps.blobDirectory, safeName(row.blob_ref)));
    } catch {
      await this.reportTamper(document.id, version, 'blob missing');
      throw contractErrors.tampered(document.id, version);
    }
    let plaintext: Buffer;
    try {
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('short');
      const decipher = createDecipheriv('aes-256-gcm', contentKey, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(aad(document.id, version));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      plaintext = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      await this.reportTamper(document.id, version, 'authentication tag mismatch');
      throw contractErrors.tampered(document.id, version);
    }
    if (plaintext.length !== Number(row.size) || sha256Hex(plaintext) !== row.sha256) {
      await this.reportTamper(document.id, version, 'SHA-256 mismatch');
      throw contractErrors.tampered(document.id, version);
    }
    return plaintext;
  }

  /**
   * Crypto-shredding: forget the sealed content key and remove the ciphertext; a document with a key
   * of its own (before ADR 017) also has that HSM key destroyed. Irreversible; audited. Copies made
   * before stay openable until the KEK epoch that sealed them is destroyed.
   */
  async shred(document: DocumentTable, actor: AuditActor, reason: string): Promise<void> {
    const changed = await this.deps.db
      .updateTable('contract_documents')
      .set({ status: 'shredded', sealed_key: null, shredded_at: new Date().toISOString() })
      .where('id', '=', document.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.shredded();
    let destroyed = 0;
    const sealedUnderKek = document.hsm_key_id !== null && (await this.isKekSealed(document.hsm_key_id));
    if (document.hsm_key_id !== null && !sealedUnderKek) {
      destroyed = await this.deps.crypto.destroyKey(document.hsm_key_id).catch(() => 0);
      await this.deps.keys
        .markDestroyed(document.hsm_key_id, `document deleted: ${reason}`)
        .catch(() => undefined);
    }
    const versions = await this.deps.db
      .selectFrom('contract_document_versions')
      .select(['version', 'blob_ref'])
      .where('document_id', '=', document.id)
      .execute();
    for (const v of versions) {
      if (v.blob_ref !== null)
        await overwriteAndRemove(path.join(this.deps.blobDirectory, safeName(v.blob_ref)));
    }
    await this.deps.db
      .updateTable('contract_document_versions')
      .set({ data: null })
      .where('document_id', '=', document.id)
      .execute();
    // Outside the database too, so restoring an older backup shreds it again (ADR 032).
    this.deps.keys.destructionLog?.append({
      kind: 'document',
      id: document.id,
      at: new Date().toISOString(),
      reason,
    });
    await this.deps.audit.append({
      type: 'document.shred',
      actor,
      subject: { kind: 'document', id: document.id },
      outcome: 'success',
      details: {
        envelopeId: document.envelope_id,
        hsmKeyId: document.hsm_key_id,
        keyProtection: sealedUnderKek ? 'kek-epoch' : 'own-hsm-key',
        hsmObjectsDestroyed: destroyed,
        versions: versions.length,
        reason: reason.slice(0, 200),
      },
    });
  }

  private async reportTamper(documentId: string, version: number, reason: string): Promise<void> {
    await this.deps.audit
      .append({
        type: 'document.tamper-detected',
        actor: { kind: 'process', id: 'contracts-vault' },
        subject: { kind: 'document', id: documentId },
        outcome: 'failure',
        details: { version, reason },
      })
      .catch(() => undefined);
  }
}

function safeName(name: string | null): string {
  if (name === null || !/^[A-Za-z0-9._-]+$/.test(name)) throw new Error('bad blob reference');
  return name;
}

async function overwriteAndRemove(file: string): Promise<void> {
  try {
    const { size } = await stat(file);
    const handle = await open(file, 'r+');
    try {
      await handle.write(randomBytes(size), 0, size, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Already gone: nothing to overwrite.
  }
  await rm(file, { force: true });
}
