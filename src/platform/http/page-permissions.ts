/**
 * One rule for a page and the links to it. A page route may declare the action it needs
 * (`{ config: { permission: 'alert.raise' } }`): that is its gate (anyone no rule of the policy lets take the
 * action is refused before the handler runs, and the refusal is audited like any other), and the same
 * declaration decides whether a link to it is shown: `may(href)` in every template, so no page has its own idea
 * of who may follow a link ("Raise a new alert" offered to an ED nurse, then a 403). Menu items and the home
 * page's cards are checked against it by test.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Action, mayAtAll } from '../auth/policy';
import type { Actor } from '../context';
import { ForbiddenError } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The action this page needs: its gate, and whether links to it are shown. */
    permission?: Action;
  }
}

interface PageRule {
  url: string;
  pattern: RegExp;
  /** Static segments: `/alerts/new` wins over `/alerts/:id`. */
  statics: number;
  permission: Action;
}

export interface PagePermissions {
  /** Whether this person may follow a link to `href` (a path on this service, with or without a query). */
  may(actor: Actor | null, href: string): boolean;
  /** The action the GET page at this path declares, if any (for tests). */
  permissionOf(href: string): Action | null;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Register before the routes: every route added afterwards with a permission gets its gate and its link rule. */
export function registerPagePermissions(app: FastifyInstance): PagePermissions {
  const rules: PageRule[] = [];
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!permission) return;
    const methods = [route.method].flat();
    if (methods.includes('GET')) {
      const segments = route.url.split('/');
      rules.push({
        url: route.url,
        pattern: new RegExp(`^${segments.map((s) => (s.startsWith(':') ? '[^/]+' : escapeRe(s))).join('/')}/?$`),
        statics: segments.filter((s) => !s.startsWith(':')).length,
        permission,
      });
      rules.sort((a, b) => b.statics - a.statics);
    }
    const gate = async (req: FastifyRequest) => {
      if (req.ctx?.actor && !mayAtAll(req.ctx.actor, permission)) throw new ForbiddenError(permission);
    };
    route.preHandler = [gate, ...(route.preHandler ? [route.preHandler].flat() : [])];
  });
  const ruleFor = (href: string) => {
    const path = href.split(/[?#]/)[0] ?? '';
    return rules.find((r) => r.pattern.test(path)) ?? null;
  };
  return {
    may: (actor, href) => {
      const rule = ruleFor(href);
      return rule ? mayAtAll(actor, rule.permission) : !!actor;
    },
    permissionOf: (href) => ruleFor(href)?.permission ?? null,
  };
}
