/**
 * What the JSON API modules repeat: the scalar shapes their schemas are built from, reading path
 * parameters and the body, and the handlers for "run this change, then answer 201 / 204". Validation
 * stays in the services (the body is passed on as sent), so a page and the API refuse the same input
 * with the same messages.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiHandler } from './openapi';

export const Uuid = z.uuid();
export const DateTime = z.iso.datetime();
export const IsoDay = z.iso.date();

/** A path parameter of the matched route (`id` unless named). */
export const pathParam = (req: FastifyRequest, name = 'id'): string => (req.params as Record<string, string>)[name]!;

/** The JSON body as sent, or `{}` when there is none: the service's schema says what is missing. */
export const jsonBody = (req: FastifyRequest): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;

/** An instant in a response: ISO 8601, or null. */
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Run a change that creates something, and answer 201 with what the service returned. */
export const created =
  (run: (req: FastifyRequest) => Promise<unknown>): ApiHandler =>
  async (req: FastifyRequest, reply: FastifyReply) =>
    reply.code(201).send(await run(req));

/** Run a change, and answer 204 No Content. */
export const noContent =
  (run: (req: FastifyRequest) => Promise<unknown>): ApiHandler =>
  async (req: FastifyRequest, reply: FastifyReply) => {
    await run(req);
    return reply.code(204).send();
  };
