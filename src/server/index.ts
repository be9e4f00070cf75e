export { handleError } from './errors.ts';
export { buildServer, type ServerOptions } from './server.ts';
