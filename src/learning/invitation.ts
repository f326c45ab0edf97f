/**
 * A session's calendar invitation (iCalendar, via ical-generator): REQUEST for a place, CANCEL when the
 * place or the session is cancelled. The event's UID is the session's (one event per session in a
 * delegate's calendar) and SEQUENCE moves on with every change, so calendars update the event in place.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { ValidationError } from '../platform/errors';
import type { CourseRow, SessionRow } from './access';
import { FORMAT_LABELS, type Format } from './model';

export function invitationIcs(
  session: SessionRow,
  course: CourseRow,
  opts: { method: 'REQUEST' | 'CANCEL' | 'PUBLISH'; publicUrl: string; attendee?: { name: string; email: string } | null },
): string {
  if (!session.startsAt || !session.endsAt)
    throw new ValidationError({ form: 'This session has no date and time (self-paced e-learning), so there is no calendar invitation' });
  const method = opts.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : opts.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.PUBLISH;
  const cal = ical({ name: 'Beacon training', prodId: { company: 'Beacon', product: 'learning', language: 'EN' }, method });
  const url = `${opts.publicUrl}/learning/sessions/${session.id}`;
  const where = session.venue ?? session.joiningLink ?? FORMAT_LABELS[course.format as Format];
  cal.createEvent({
    id: `learning-session-${session.id}@beacon`,
    sequence: session.sequence,
    start: session.startsAt,
    end: session.endsAt,
    summary: `${course.title}${session.status === 'cancelled' ? ' (cancelled)' : ''}`,
    description: `${course.summary}\n\n${session.joiningLink ? `Join: ${session.joiningLink}\n` : ''}Details and your booking: ${url}`,
    location: where,
    url,
    status: opts.method === 'CANCEL' || session.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: 'Beacon training', email: 'training@beacon.invalid' },
    ...(opts.attendee ? { attendees: [{ name: opts.attendee.name, email: opts.attendee.email, rsvp: false }] } : {}),
  });
  return cal.toString();
}
