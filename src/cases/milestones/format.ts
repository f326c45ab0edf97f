import { londonDate } from '../../platform/dates';
import { formatDate, formatDateTime } from '../../platform/http/views';
import { endOfLondonDay } from '../../platform/working-days';

/**
 * A due time as people read it: "16 April 2027" for a deadline that runs to the end of a day (weeks of
 * pregnancy, days, working days), "29 Nov 2026 at 14:00" for one counted in hours.
 */
export function formatDue(d: Date): string {
  return d.getTime() === endOfLondonDay(londonDate(d)).getTime() ? formatDate(d) : formatDateTime(d);
}
