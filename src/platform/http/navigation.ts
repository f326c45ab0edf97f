/**
 * The header menu, assembled from what each capability declares (its `navigation.ts`): which items a
 * person sees (by the policy), which is current, and how many things under each need them now.
 *
 * A count is one small query per item that has one (approvals waiting, unacknowledged deliveries,
 * unseen presentations, escalations to answer), run together for each page: never a query per record.
 * An item may be urgent: while its count is above nought, every page carries a banner saying so (a
 * woman with one of this team's alerts has presented and nobody here has seen it yet).
 */
import type { RequestContext } from '../context';
import { type Action, mayAtAll } from '../auth/policy';
import type { Db } from '../db/engine';

export interface NavEntry {
  href: string;
  text: string;
  /** Place in the menu, lowest first. */
  order: number;
  /** The action the item leads to: shown to anyone a rule of the policy lets take it (`mayAtAll`). */
  permission: Action;
  /** How many things here need this person now, or nothing. One query. */
  attention?: (db: Db, ctx: RequestContext) => Promise<number>;
  /** What a count means, in words: "3 waiting for your approval". */
  attentionText?: (n: number) => string;
  /** A count above nought puts a banner on every page, saying this. */
  urgent?: boolean;
  urgentText?: (n: number) => string;
}

export interface NavItem {
  href: string;
  text: string;
  current: boolean;
  count: number;
  countText: string | null;
}

export interface Navigation {
  items: NavItem[];
  /** Banners for urgent counts: what, where to go, and the link's words. */
  urgent: { text: string; href: string; linkText: string }[];
}

/** The menu for this person on this page. A count that fails is left out (logged): the page still renders. */
export async function navigationFor(
  db: Db,
  ctx: RequestContext | null,
  entries: readonly NavEntry[],
  path: string,
  onError: (err: unknown) => void = () => undefined,
): Promise<Navigation> {
  const actor = ctx?.actor;
  if (!ctx || !actor) return { items: [], urgent: [] };
  const visible = entries.filter((e) => mayAtAll(actor, e.permission)).sort((a, b) => a.order - b.order);
  const counts = await Promise.all(
    visible.map((e) =>
      e.attention
        ? e.attention(db, ctx).catch((err) => {
            onError(err);
            return 0;
          })
        : Promise.resolve(0),
    ),
  );
  // The current item is the one whose address is the longest match (/alerts/approvals, not /alerts).
  const matches = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  const current = visible.filter((e) => matches(e.href)).sort((a, b) => b.href.length - a.href.length)[0]?.href;
  const items = visible.map((e, i) => {
    const count = counts[i] ?? 0;
    return { href: e.href, text: e.text, current: e.href === current, count, countText: count > 0 ? (e.attentionText?.(count) ?? `${count} need you`) : null };
  });
  const urgent = visible.flatMap((e, i) => {
    const n = counts[i] ?? 0;
    return n > 0 && e.urgent ? [{ text: e.urgentText?.(n) ?? items[i]!.countText!, href: e.href, linkText: `See ${e.text.toLowerCase()}` }] : [];
  });
  return { items, urgent };
}
