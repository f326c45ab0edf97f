import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app';

/** Single sign-on (OpenID Connect). Routes exist only when an issuer is configured. */
export const oidcRoutes =
  (_deps: AppDeps): FastifyPluginAsync =>
  async () => {};
