/** The rules of webhooks, pure: the events, where they may be sent, when to try again, when to give up. */

export const WEBHOOK_EVENTS = {
  'alert.delivered': 'A new alert is delivered to one of your units',
  'alert.updated': 'An alert your units hold is updated',
  'alert.stood_down': 'An alert your units hold is stood down',
  'alert.cancelled': 'An alert your units hold is cancelled',
  'alert.expired': 'An alert your units hold has expired',
  'delivery.unacknowledged': 'A delivery to one of your units is still not acknowledged (reminder, then escalation)',
  'presentation.recorded': 'A woman with an alert you raised has presented somewhere',
  'escalation.raised': 'An escalation is raised with your organisation',
} as const;
export type WebhookEventType = keyof typeof WEBHOOK_EVENTS | 'webhook.test';
export const EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as (keyof typeof WEBHOOK_EVENTS)[];

/** The event a delivery of an alert version to a unit is, by why it went out. */
export const EVENT_OF_DELIVERY_KIND: Record<string, WebhookEventType> = {
  activation: 'alert.delivered',
  update: 'alert.updated',
  stand_down: 'alert.stood_down',
  cancellation: 'alert.cancelled',
  expiry: 'alert.expired',
};

/** Why an endpoint address cannot be used, or null. Plain HTTP only outside production (a receiver on this machine, in tests). */
export function endpointProblem(url: string, production: boolean): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'Enter the full address of the endpoint, like https://cases.example.gov.uk/beacon/webhooks';
  }
  if (u.username || u.password) return 'The address must not contain a user name or password: Beacon signs every message instead';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (production && (host === 'localhost' || isPrivateAddress(host))) return 'The endpoint must be on the internet or the HSCN, not a private or local address';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && !production) return null;
  return 'The endpoint address must start with https://';
}

/**
 * Whether an IP address is one a webhook must never reach in production (this machine, private networks,
 * link-local and cloud metadata addresses, unique-local IPv6): the service is not a proxy into its own network.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v4);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const x = ip.toLowerCase();
  return x === '::1' || x === '::' || x.startsWith('fe80:') || x.startsWith('fc') || x.startsWith('fd');
}

/**
 * When to try again after a failed attempt: 10 seconds, then doubling (20 s, 40 s … ) up to an hour
 * between tries. Attempt n failed → wait this long before attempt n + 1.
 */
export function retryDelayMs(failedAttempt: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failedAttempt - 1), 3_600_000);
}

/** A subscription that has failed for a day without one success is disabled (its owner is told). */
export const DISABLE_AFTER_MS = 24 * 3_600_000;
export const shouldDisable = (failingSince: Date | null, now: Date): boolean => !!failingSince && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_MS;

/** How long the previous secret still signs after a rotation, so a receiver can switch without a gap. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

/** A 2xx answer is a delivery; anything else (and no answer) is a failure to retry. */
export const delivered = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

/** Links in a payload are paths; they are sent as full addresses of this service. */
export function absoluteLinks(data: Record<string, unknown>, publicUrl: string): Record<string, unknown> {
  const links = data.links as Record<string, string> | undefined;
  if (!links) return data;
  return { ...data, links: Object.fromEntries(Object.entries(links).map(([k, v]) => [k, v.startsWith('/') ? `${publicUrl}${v}` : v])) };
}
