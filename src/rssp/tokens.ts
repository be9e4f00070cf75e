/**
 * Bearer tokens of the CSC API (auth/login, oauth2/token): random, stored as SHA-256, scoped to
 * `service` or to one credential, revocable per token or per grant (auth/revoke, oauth2/revoke).
 */
import type { Kysely } from 'kysely';
import { CSC } from './errors.ts';
import type { Clock } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import { randomId, randomSecret, secretHash } from './secrets.ts';
import type { RsspTables, TokenScope, TokenTable } from './tables.ts';

export interface TokenGrant {
  readonly scope: TokenScope;
  readonly userId: string | null;
  readonly tenantId: string | null;
  readonly clientId: string | null;
  readonly credentialId: string | null;
  readonly authMethod: string;
  readonly grantId?: string | undefined;
}

export interface IssuedToken {
  readonly token: string;
  readonly tokenHash: string;
  readonly grantId: string;
  readonly expiresIn: number;
}

export function tokenHashOf(token: string): string {
  return secretHash(`token:${token}`);
}

export class AccessTokenService {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly clock: Clock,
  ) {}

  async issue(kind: 'access' | 'refresh', grant: TokenGrant, lifetimeSeconds: number): Promise<IssuedToken> {
    const token = randomSecret();
    const tokenHash = tokenHashOf(token);
    const now = this.clock();
    const grantId = grant.grantId ?? randomId('grant-');
    await this.db
      .insertInto('rssp_tokens')
      .values({
        token_hash: tokenHash,
        kind,
        scope: grant.scope,
        user_id: grant.userId,
        client_id: grant.clientId,
        tenant_id: grant.tenantId,
        credential_id: grant.credentialId,
        grant_id: grantId,
        auth_method: grant.authMethod,
        expires_at: new Date(now.getTime() + lifetimeSeconds * 1000).toISOString(),
        revoked_at: null,
        created_at: now.toISOString(),
      })
      .execute();
    return { token, tokenHash, grantId, expiresIn: lifetimeSeconds };
  }

  /** The principal behind an `Authorization: Bearer …` value; invalid_token / expired_token otherwise. */
  async authenticate(token: string): Promise<RsspPrincipal> {
    if (token.length < 16 || token.length > 512) throw CSC.invalidToken();
    const row = await this.find(token, 'access');
    if (row === undefined || row.revoked_at !== null) throw CSC.invalidToken();
    if (row.expires_at <= this.clock().toISOString()) throw CSC.expiredToken();
    return {
      tokenHash: row.token_hash,
      scope: row.scope,
      userId: row.user_id,
      tenantId: row.tenant_id,
      clientId: row.client_id,
      credentialId: row.credential_id,
      authMethod: row.auth_method,
    };
  }

  /** A live refresh token (for oauth2/token and auth/login with refresh_token). */
  async refreshGrant(token: string): Promise<TokenTable | undefined> {
    if (token.length < 16 || token.length > 512) return undefined;
    const row = await this.find(token, 'refresh');
    if (row === undefined || row.revoked_at !== null || row.expires_at <= this.clock().toISOString()) {
      return undefined;
    }
    return row;
  }

  /**
   * Revokes a token. A refresh token takes its whole grant with it; an access token only itself
   * (csc-api-v2 §4.3). Unknown tokens are ignored (RFC 7009 §2.2), and so are tokens the
   * caller may not revoke (another user's or another client's).
   */
  async revoke(token: string, mayRevoke: (row: TokenTable) => boolean): Promise<void> {
    if (token.length === 0 || token.length > 512) return;
    const hash = tokenHashOf(token);
    const row = await this.db
      .selectFrom('rssp_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (row === undefined || !mayRevoke(row)) return;
    const now = this.clock().toISOString();
    if (row.kind === 'refresh') {
      await this.db
        .updateTable('rssp_tokens')
        .set({ revoked_at: now })
        .where('grant_id', '=', row.grant_id)
        .where('revoked_at', 'is', null)
        .execute();
    } else {
      await this.db
        .updateTable('rssp_tokens')
        .set({ revoked_at: now })
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .execute();
    }
    // A credential-scope token is its own SAD: revoking it ends that authorisation too.
    await this.db
      .updateTable('rssp_sads')
      .set({ status: 'replaced', remaining: 0 })
      .where('sad_hash', '=', row.token_hash)
      .execute();
  }

  /** Revokes every token of a grant and the authorisations they carry; returns how many were live. */
  async revokeGrant(grantId: string): Promise<number> {
    const now = this.clock().toISOString();
    const live = await this.db
      .updateTable('rssp_tokens')
      .set({ revoked_at: now })
      .where('grant_id', '=', grantId)
      .where('revoked_at', 'is', null)
      .returning(['token_hash'])
      .execute();
    if (live.length > 0) {
      await this.db
        .updateTable('rssp_sads')
        .set({ status: 'replaced', remaining: 0 })
        .where(
          'sad_hash',
          'in',
          live.map((t) => t.token_hash),
        )
        .execute();
    }
    return live.length;
  }

  private find(token: string, kind: 'access' | 'refresh'): Promise<TokenTable | undefined> {
    return this.db
      .selectFrom('rssp_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHashOf(token))
      .where('kind', '=', kind)
      .executeTakeFirst();
  }
}
