/**
 * operationMode "A" of signatures/signHash and signatures/signDoc, and signatures/signPolling
 * (csc-api-v2 §4.15–4.17). The request is answered at once with a responseID (256 random bits,
 * stored only as a hash, bound to the user and client system) while the signing — with every check
 * and the SAD consumption of the synchronous path — runs in the background. The outcome is kept
 * until `validity_period` ends and can be fetched exactly once.
 */
import type { Kysely } from 'kysely';
import { CSC, CscError, type CscErrorCode } from './errors.ts';
import type { Clock } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import { randomSecret, secretHash } from './secrets.ts';
import type { AsyncResultTable, RsspTables } from './tables.ts';

export type AsyncMethod = AsyncResultTable['method'];

export interface AsyncStart {
  readonly method: AsyncMethod;
  readonly credentialId: string;
  readonly userId: string;
  readonly validityMs: number;
  /** The synchronous method's work; resolves to its response body. */
  readonly work: () => Promise<Record<string, unknown>>;
}

/** signPolling's 202: the job has not finished yet (csc-api-v2 §4.17, §9). */
export const acceptedRequest = (): CscError =>
  new CscError('accepted_request', 'The previous async request has been accepted but not yet completed', 202);

interface StoredFailure {
  error: CscErrorCode;
  error_description: string;
  status: number;
}

export function responseHashOf(responseId: string): string {
  return secretHash(`response:${responseId}`);
}

export class AsyncSigningResults {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly clock: Clock,
    private readonly onUnexpected: (error: unknown) => void = () => undefined,
  ) {}

  /** Records the job, starts it and returns the responseID. */
  async start(principal: RsspPrincipal, job: AsyncStart): Promise<string> {
    const responseId = randomSecret();
    const responseHash = responseHashOf(responseId);
    const now = this.clock();
    // Outcomes nobody fetched in time are of no use to anyone: drop them as new jobs come in.
    await this.db.deleteFrom('rssp_async_results').where('expires_at', '<', now.toISOString()).execute();
    await this.db
      .insertInto('rssp_async_results')
      .values({
        response_hash: responseHash,
        method: job.method,
        credential_id: job.credentialId,
        user_id: job.userId,
        client_id: principal.clientId,
        status: 'pending',
        result: null,
        expires_at: new Date(now.getTime() + job.validityMs).toISOString(),
        created_at: now.toISOString(),
        completed_at: null,
      })
      .execute();
    const task = this.run(responseHash, job.work).finally(() => this.running.delete(task));
    this.running.add(task);
    return responseId;
  }

  /** signPolling: the outcome once (200 body, or the method's own error), 202 while running. */
  async poll(principal: RsspPrincipal, userId: string, requestId: string): Promise<Record<string, unknown>> {
    const responseHash = responseHashOf(requestId);
    const now = this.clock().toISOString();
    const row = await this.db
      .selectFrom('rssp_async_results')
      .select(['status', 'result', 'user_id', 'client_id', 'expires_at'])
      .where('response_hash', '=', responseHash)
      .executeTakeFirst();
    // Unknown, expired, fetched already, or another user's or client system's: one answer for all.
    if (
      row === undefined ||
      row.user_id !== userId ||
      row.client_id !== principal.clientId ||
      row.expires_at <= now ||
      row.status === 'retrieved'
    ) {
      throw CSC.invalidParameter('requestID');
    }
    if (row.status === 'pending') throw acceptedRequest();
    // Single retrieval: only the poll whose conditional update wins gets the outcome.
    const taken = await this.db
      .updateTable('rssp_async_results')
      .set({ status: 'retrieved', result: null })
      .where('response_hash', '=', responseHash)
      .where('status', '=', row.status)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1 || row.result === null) throw CSC.invalidParameter('requestID');
    const stored = JSON.parse(row.result) as Record<string, unknown>;
    if (row.status === 'failed') {
      const failure = stored as unknown as StoredFailure;
      throw new CscError(failure.error, failure.error_description, failure.status);
    }
    return stored;
  }

  /** Resolves when every job started so far has finished (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(responseHash: string, work: () => Promise<Record<string, unknown>>): Promise<void> {
    let status: 'done' | 'failed';
    let result: string;
    try {
      result = JSON.stringify(await work());
      status = 'done';
    } catch (error) {
      status = 'failed';
      const failure: StoredFailure =
        error instanceof CscError
          ? { error: error.error, error_description: error.description, status: error.status }
          : { error: 'server_error', error_description: 'The signature could not be created', status: 500 };
      if (!(error instanceof CscError) || error.status >= 500) this.onUnexpected(error);
      result = JSON.stringify(failure);
    }
    try {
      await this.db
        .updateTable('rssp_async_results')
        .set({ status, result, completed_at: this.clock().toISOString() })
        .where('response_hash', '=', responseHash)
        .where('status', '=', 'pending')
        .execute();
    } catch (error) {
      this.onUnexpected(error);
    }
  }
}
