/**
 * Registered client systems (SCA, e-contract service, local signing apps): a client id, a secret
 * stored as a hash, exact redirect URIs, and optionally the SHA-256 of the TLS client certificate
 * the system must present (mutual TLS, the "RS-API connection certificate" of the iTrust service).
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import { shomeiError } from '../errors/index.ts';
import { CscError } from './errors.ts';
import { auditableIdentifier } from './identifiers.ts';
import type { Clock } from './ports.ts';
import { randomId, randomSecret, sameSecretHash, secretHash } from './secrets.ts';
import type { ClientSystemTable, RsspTables } from './tables.ts';

export interface NewClientSystem {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly tlsCertificateSha256?: string;
  readonly tenantId?: string | undefined;
}

export type ClientSystem = ClientSystemTable;

export function invalidClient(): CscError {
  return new CscError('invalid_client', 'Client authentication failed', 401);
}

export class ClientSystemRegistry {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** Registers a client system; the secret is shown this once. */
  async register(
    input: NewClientSystem,
    operatorId: string,
  ): Promise<{ clientId: string; clientSecret: string }> {
    for (const uri of input.redirectUris) {
      let parsed: URL;
      try {
        parsed = new URL(uri);
      } catch {
        throw badRedirect(uri);
      }
      const loopback =
        parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]';
      if (
        parsed.hash !== '' ||
        (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback))
      ) {
        throw badRedirect(uri);
      }
    }
    if (input.tlsCertificateSha256 !== undefined && !/^[0-9a-f]{64}$/.test(input.tlsCertificateSha256)) {
      throw shomeiError(
        'SHOMEI_RSSP_CLIENT_INVALID',
        'TLS 証明書の指紋が不正です。',
        'The TLS certificate fingerprint is invalid.',
        {
          status: 400,
        },
      );
    }
    const clientId = randomId('client-');
    const clientSecret = randomSecret();
    await this.db
      .insertInto('rssp_client_systems')
      .values({
        client_id: clientId,
        name: input.name.slice(0, 200),
        secret_hash: secretHash(`client:${clientSecret}`),
        redirect_uris: JSON.stringify(input.redirectUris),
        tls_certificate_sha256: input.tlsCertificateSha256 ?? null,
        tenant_id: input.tenantId ?? null,
        status: 'active',
        created_at: this.clock().toISOString(),
      })
      .execute();
    await this.audit.append({
      type: 'client-system.register',
      actor: { kind: 'operator', id: operatorId },
      subject: { kind: 'client-system', id: clientId },
      outcome: 'success',
      details: {
        name: input.name,
        redirectUris: input.redirectUris,
        mutualTls: input.tlsCertificateSha256 !== undefined,
      },
    });
    return { clientId, clientSecret };
  }

  async get(clientId: string): Promise<ClientSystem | undefined> {
    if (clientId.length === 0 || clientId.length > 100) return undefined;
    const row = await this.db
      .selectFrom('rssp_client_systems')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row?.status === 'active' ? row : undefined;
  }

  /**
   * Authenticates a client by its secret and, for a client bound to a TLS client certificate, by
   * that certificate's fingerprint: a bound client without it, or with another one, is refused.
   */
  async authenticate(
    clientId: string,
    clientSecret: string,
    peerCertificateSha256?: string,
  ): Promise<ClientSystem> {
    const client = await this.get(clientId);
    const ok =
      client !== undefined &&
      clientSecret.length <= 512 &&
      sameSecretHash(client.secret_hash, secretHash(`client:${clientSecret}`));
    const tlsOk = client === undefined || this.tlsMatches(client, peerCertificateSha256);
    if (!ok || !tlsOk) {
      await this.audit.append({
        type: 'client-system.authenticate',
        actor: { kind: 'client-system', id: auditableIdentifier(clientId, 100) },
        outcome: 'failure',
        details: {
          reason: !ok
            ? 'bad-credentials'
            : peerCertificateSha256 === undefined
              ? 'tls-certificate-missing'
              : 'tls-certificate-mismatch',
        },
      });
      throw invalidClient();
    }
    return client;
  }

  /**
   * Whether the connection fits the client's TLS binding: a client registered with a certificate
   * fingerprint must present exactly that certificate, on every request.
   */
  tlsMatches(client: ClientSystem, peerCertificateSha256: string | undefined): boolean {
    return client.tls_certificate_sha256 === null || client.tls_certificate_sha256 === peerCertificateSha256;
  }

  redirectAllowed(client: ClientSystem, redirectUri: string): boolean {
    return (JSON.parse(client.redirect_uris) as string[]).includes(redirectUri);
  }
}

function badRedirect(uri: string): Error {
  return shomeiError(
    'SHOMEI_RSSP_CLIENT_INVALID',
    `リダイレクト URI が不正です (https、またはループバックの http のみ): ${uri}`,
    `Invalid redirect URI (https, or http on loopback only): ${uri}`,
    { status: 400 },
  );
}
