/**
 * The answers declared in shapes.ts and the model the identity service returns are the same: the same
 * fields with the same types. A drift fails tsc — a field missing from an answer's schema would
 * otherwise be dropped by the serialiser without a word. Kept apart from shapes.ts, which the web
 * client type-checks without the server's modules.
 */
import type { z } from 'zod';
import type { Application } from '../applications.ts';
import type { Member } from '../members.ts';
import type { User } from '../model.ts';
import type { PasskeySummary } from '../passkeys.ts';
import type { SessionRecord } from '../sessions.ts';
import type { TotpEnrolment } from '../totp.ts';
import type { applicationSchema } from './application-shapes.ts';
import type {
  accountSchema,
  memberSchema,
  mySessionsAnswer,
  passkeySchema,
  sessionAnswer,
  totpEnrolmentSchema,
} from './shapes.ts';

type Mutable<T> = T extends readonly (infer E)[]
  ? Mutable<E>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
type Same<A, B> = [Mutable<A>] extends [Mutable<B>]
  ? [Mutable<B>] extends [Mutable<A>]
    ? true
    : false
  : false;
type Out<T extends z.ZodType> = z.output<T>;
type FullSession = Extract<Out<typeof sessionAnswer>, { stage: string }>;
type MySession = Out<typeof mySessionsAnswer>['sessions'][number];

export const accountAgrees: Same<Out<typeof accountSchema>, User> = true;
export const memberAgrees: Same<Out<typeof memberSchema>, Member> = true;
export const passkeyAgrees: Same<Out<typeof passkeySchema>, PasskeySummary> = true;
export const totpAgrees: Same<Out<typeof totpEnrolmentSchema>, TotpEnrolment> = true;
export const applicationAgrees: Same<Out<typeof applicationSchema>, Application> = true;
export const sessionAgrees: Same<
  Pick<FullSession, 'stage' | 'assurance' | 'methods' | 'federation' | 'expiresAt'>,
  Pick<SessionRecord, 'stage' | 'assurance' | 'methods' | 'federation' | 'expiresAt'>
> = true;
export const mySessionAgrees: Same<
  Omit<MySession, 'current'>,
  Omit<SessionRecord, 'userId' | 'tenantId' | 'stage' | 'authenticatedAt' | 'federation'>
> = true;
