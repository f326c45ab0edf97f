import { ApiDescription } from './openapi';

/**
 * The one OpenAPI description of Beacon's JSON API. Every capability registers its operations here
 * (`api.route(app, spec, handler)`) and names its schemas (`api.schema`); GET /api/openapi.json serves it.
 */
export const api = new ApiDescription({
  title: 'Beacon API',
  version: '1.0.0',
  description: [
    'High-risk alerts (raise, approve, distribute, acknowledge, update, stand down), the point-of-care check, cases, escalations and assurance reports.',
    '',
    'Authentication for systems: an API client gets a five-minute bearer token from POST /oauth2/token with a signed JWT client assertion (RFC 7523), and sends `Authorization: Bearer <token>` (no CSRF token); name the person at the desk in `Beacon-End-User: <name>; <role>`.',
    'For a person’s scripts: sign in with POST /sign-in (form fields `email`, `password`; the response sets the `beacon_session` cookie), then GET /api/session for `csrfToken`; send the `beacon_session` and `beacon_csrf` cookies with every request, and `X-CSRF-Token: <csrfToken>` with every POST and PUT.',
    'What each person may see and do follows their role, as on the pages. Every read of an alert is recorded in the audit log with its purpose.',
    '',
    'Errors: 400 `invalid` with `fields` (field path → message, paths as in AlertContent), 401 `unauthorised`, 403 `forbidden` or `csrf`, 404 `not_found`.',
  ].join('\n'),
});
