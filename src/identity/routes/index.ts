/** The identity module's HTTP routes as one Fastify plugin. */
import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Identity } from '../identity.ts';
import { applicationRoutes } from './applications.ts';
import { authRoutes } from './auth.ts';
import { requireJsonBodies } from './common.ts';
import { userRoutes } from './users.ts';

export interface IdentityRoutesOptions {
  readonly identity: Identity;
}

/** Register after `authenticateRequests` (which provides cookies, `request.principal` and CSRF). */
export const identityRoutes: FastifyPluginAsync<IdentityRoutesOptions> = async (app, options) => {
  // Also when the plugin runs on its own (tests): the routes' zod schemas validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  requireJsonBodies(app);
  await authRoutes(app, options.identity);
  await applicationRoutes(app, options.identity);
  await userRoutes(app, options.identity);
};
