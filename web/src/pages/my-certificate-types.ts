/**
 * Shapes of GET /api/me/credentials: the zod-inferred types the server serialises with
 * (src/rssp/routes/credential-shapes.ts), not copies.
 */
export type {
  CredentialApplicationView as MyApplication,
  CredentialView as MyCredential,
  MyCredentials,
} from '../../../src/rssp/routes/credential-shapes.ts';
