import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../platform/http/deps';

/** Cards on the home page; each is shown by the one link rule (the action its page declares: page-permissions.ts). */
const CARDS: { href: string; title: string; text: string }[] = [
  {
    href: '/check',
    title: 'Check for an alert',
    text: 'Is the woman in front of you the subject of a high-risk alert? Enter what she tells you, even if it may be false.',
  },
  {
    href: '/alerts/new',
    title: 'Raise an alert',
    text: 'A high-risk alert about a pregnant woman, step by step. Saved as a draft as you go.',
  },
  {
    href: '/alerts',
    title: "Your organisation's alerts",
    text: 'Drafts, alerts waiting for approval, active alerts and who has acknowledged them.',
  },
  {
    href: '/screening',
    title: 'Screen a list',
    text: "Check today's bookings, admissions or attendances against every active alert at once.",
  },
  {
    href: '/presentations',
    title: 'Presentations',
    text: 'Where the women in your alerts have been seen, what they said, and who to contact.',
  },
  {
    href: '/alerts/approvals',
    title: 'Alerts to approve',
    text: 'Alerts submitted in your organisation or ICB area, waiting for a designated or named professional.',
  },
  {
    href: '/inbox',
    title: "Your unit's alert inbox",
    text: 'Alerts sent to your unit. Acknowledge each once it is loaded and your team is briefed.',
  },
  {
    href: '/cases/new',
    title: 'Open a case',
    text: 'An unbooked woman in labour, a concealed or denied pregnancy, a late booking or an unborn baby protocol referral.',
  },
  {
    href: '/cases',
    title: 'Cases',
    text: 'Concealed pregnancy and unborn baby protocol cases your organisation works on: milestones, birth plans, discharge.',
  },
  {
    href: '/cases/prompts',
    title: 'Pattern prompts',
    text: 'Chronology patterns (closure, flight, disguised compliance) waiting for a practitioner’s response.',
  },
  {
    href: '/escalations',
    title: 'Escalations',
    text: 'Professional differences between agencies, stage by stage, until they are resolved.',
  },
  {
    href: '/escalations/report',
    title: 'Escalation report',
    text: 'Open escalations, stages reached, time to resolve and themes for the partnership.',
  },
  {
    href: '/assurance/discharge-overrides',
    title: 'Discharge overrides',
    text: 'Discharges recorded past the discharge gate, and whether the safeguarding lead has reviewed each.',
  },
  {
    href: '/assurance/audits',
    title: 'Audits',
    text: 'Whether the high-risk alert SOP and the protocol are embedded, computed from the records, month by month.',
  },
  {
    href: '/assurance/reviews',
    title: 'Reviews and actions',
    text: 'Each review’s recommendations, the responses, the actions and the evidence that they worked; the board report.',
  },
  {
    href: '/assurance/case-file-audits',
    title: 'Case-file audits',
    text: 'Multi-agency case-file audit rounds: a sample of cases, each agency’s section, moderation, findings.',
  },
  {
    href: '/assurance/case-file-audits/mine',
    title: 'Audit sections for your agency',
    text: 'The case-file audit sections your agency completes from its own records.',
  },
  {
    href: '/protocols',
    title: 'Protocols',
    text: 'Milestone timelines, escalation stages and pattern prompts in force for each partnership.',
  },
  {
    href: '/organisations',
    title: 'Organisations and units',
    text: 'Trusts, local authorities and their units, with in-hours and out-of-hours contacts.',
  },
  { href: '/users', title: 'Users and roles', text: 'Add people, give them roles in organisations, deactivate accounts.' },
  { href: '/audit', title: 'Audit log', text: 'Who saw or changed what, and a check that the log has not been altered.' },
];

/** Where the cards lead (the link-rule test checks each page declares its action). */
export const HOME_CARD_LINKS: readonly string[] = CARDS.map((c) => c.href);

export const homeRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/', async (req, reply) => {
      const actor = req.ctx.actor!;
      const cards = CARDS.filter((c) => app.pagePermissions.may(actor, c.href));
      return reply.page('home/views/home.njk', { title: 'Home', cards, columnClass: 'nhsuk-grid-column-full' });
    });

    app.get('/ping', { config: { auth: 'public' } }, async (_req, reply) => reply.type('text/plain').send('OK'));

    // Health for load balancers: checks the database answers. Says nothing else about the service.
    app.get('/health', { config: { auth: 'public' } }, async (_req, reply) => {
      const started = Date.now();
      try {
        await deps.database.query('SELECT 1');
        return reply.send({ status: 'ok', database: { status: 'ok', engine: deps.database.engine, ms: Date.now() - started } });
      } catch {
        return reply.code(503).send({ status: 'unavailable', database: { status: 'unavailable', engine: deps.database.engine } });
      }
    });

    app.get('/accessibility', { config: { auth: 'public' } }, async (_req, reply) =>
      reply.page('home/views/accessibility.njk', { title: 'Accessibility statement' }),
    );
    app.get('/privacy', { config: { auth: 'public' } }, async (_req, reply) => reply.page('home/views/privacy.njk', { title: 'Privacy notice' }));
  };
