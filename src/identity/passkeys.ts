/**
 * Passkeys (WebAuthn, @simplewebauthn/server). Challenges live in the server-side session and are
 * used once; user verification is required, so a passkey alone is a multi-factor authenticator.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import type { Clock } from './model.ts';
import type { SessionStore } from './sessions.ts';
import type { IdentityTables } from './tables.ts';

const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** Loaded with the first passkey ceremony, not at every start (ADR 031). */
const webauthn = () => import('@simplewebauthn/server');
/**
 * The shapes of a passkey's answers, built on first use: `shomei sign` evaluates this module
 * (Identity's) but never registers or checks a passkey (ADR 050).
 */
function buildResponseShapes() {
  const b64url = z
    .string()
    .max(16_384)
    .regex(/^[A-Za-z0-9_-]*$/);
  /** Shape checks before the library parses CBOR and signatures; sizes bound the work. */
  const credential = <Response extends z.ZodRawShape>(response: Response) =>
    z.object({
      id: b64url.min(1).max(1_400),
      rawId: b64url.min(1).max(1_400),
      type: z.literal('public-key'),
      response: z.object(response),
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    });
  const registration = credential({
    clientDataJSON: b64url,
    attestationObject: b64url,
    transports: z.array(z.string().max(32)).max(10).optional(),
  });
  const authentication = credential({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional(),
  });
  return { registration, authentication };
}

let responseShapes: ReturnType<typeof buildResponseShapes> | undefined;

function shapes(): ReturnType<typeof buildResponseShapes> {
  responseShapes ??= buildResponseShapes();
  return responseShapes;
}

export interface PasskeySummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** What passkey registration and login work with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface PasskeysDeps {
  readonly db: Kysely<IdentityTables>;
  readonly sessions: SessionStore;
  readonly clock: Clock;
  /** The service's public URL: its host is the relying party id, its origin the expected origin. */
  readonly publicUrl: string;
  readonly rpName: string;
}

export class Passkeys {
  private readonly db: Kysely<IdentityTables>;
  private readonly sessions: SessionStore;
  private readonly clock: Clock;
  private readonly rpName: string;
  private readonly rpId: string;
  private readonly origin: string;

  constructor(deps: PasskeysDeps) {
    this.db = deps.db;
    this.sessions = deps.sessions;
    this.clock = deps.clock;
    this.rpName = deps.rpName;
    const url = new URL(deps.publicUrl);
    this.rpId = url.hostname;
    this.origin = url.origin;
  }

  async count(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('identity_passkeys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(userId: string): Promise<PasskeySummary[]> {
    const rows = await this.db
      .selectFrom('identity_passkeys')
      .select(['id', 'name', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  async registrationOptions(
    user: { id: string; email: string; displayName: string },
    sessionId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.live(user.id);
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: this.rpName,
      rpID: this.rpId,
      userID: new TextEncoder().encode(user.id),
      userName: user.email,
      userDisplayName: user.displayName,
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.id })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    await this.sessions.putChallenge(
      sessionId,
      'passkey-registration',
      options.challenge,
      CHALLENGE_LIFETIME_MS,
    );
    return options;
  }

  /** Verifies an attestation and stores the passkey; false when it does not verify. */
  async register(
    userId: string,
    sessionId: string,
    response: unknown,
    name: string,
  ): Promise<PasskeySummary | null> {
    const parsed = shapes().registration.safeParse(response);
    if (!parsed.success) return null;
    const challenge = await this.sessions.takeChallenge(sessionId, 'passkey-registration');
    if (challenge === undefined) return null;
    let verification: Awaited<ReturnType<Awaited<ReturnType<typeof webauthn>>['verifyRegistrationResponse']>>;
    try {
      verification = await (await webauthn()).verifyRegistrationResponse({
        response: parsed.data as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch {
      return null;
    }
    if (!verification.verified) return null;
    const credential = verification.registrationInfo.credential;
    const now = this.clock().toISOString();
    try {
      await this.db
        .insertInto('identity_passkeys')
        .values({
          id: credential.id,
          user_id: userId,
          public_key: Buffer.from(credential.publicKey),
          counter: credential.counter,
          transports: JSON.stringify(credential.transports ?? []),
          name,
          created_at: now,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
    } catch {
      return null; // the same credential registered twice
    }
    return { id: credential.id, name, createdAt: now, lastUsedAt: null };
  }

  async authenticationOptions(
    userId: string,
    sessionId: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const existing = await this.live(userId);
    const options = await (await webauthn()).generateAuthenticationOptions({
      rpID: this.rpId,
      allowCredentials: existing.map((c) => ({ id: c.id })),
      userVerification: 'required',
    });
    await this.sessions.putChallenge(
      sessionId,
      'passkey-authentication',
      options.challenge,
      CHALLENGE_LIFETIME_MS,
    );
    return options;
  }

  /** Verifies an assertion by one of the user's passkeys; the signature counter must move forward. */
  async authenticate(userId: string, sessionId: string, response: unknown): Promise<boolean> {
    const parsed = shapes().authentication.safeParse(response);
    if (!parsed.success) return false;
    const challenge = await this.sessions.takeChallenge(sessionId, 'passkey-authentication');
    if (challenge === undefined) return false;
    const row = await this.db
      .selectFrom('identity_passkeys')
      .selectAll()
      .where('id', '=', parsed.data.id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined) return false;
    try {
      const verification = await (await webauthn()).verifyAuthenticationResponse({
        response: parsed.data as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        credential: {
          id: row.id,
          publicKey: new Uint8Array(row.public_key),
          counter: Number(row.counter),
          transports: JSON.parse(row.transports) as string[],
        },
        requireUserVerification: true,
      });
      if (!verification.verified) return false;
      const updated = await this.db
        .updateTable('identity_passkeys')
        .set({
          counter: verification.authenticationInfo.newCounter,
          last_used_at: this.clock().toISOString(),
        })
        .where('id', '=', row.id)
        .where('counter', '=', row.counter)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1;
    } catch {
      return false;
    }
  }

  async remove(userId: string, passkeyId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_passkeys')
      .set({ revoked_at: this.clock().toISOString() })
      .where('id', '=', passkeyId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private async live(userId: string): Promise<{ id: string }[]> {
    return this.db
      .selectFrom('identity_passkeys')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
