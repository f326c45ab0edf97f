import fs from 'node:fs';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Same key, same message: lets a retried job be recognised by the receiving side. */
  messageId: string;
  /** A calendar invitation (text/calendar part, as mail clients expect for REQUEST and CANCEL). */
  icalEvent?: { method: 'REQUEST' | 'CANCEL'; content: string; filename?: string };
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  describe(): string;
}

/**
 * Email over SMTP (`SMTP_URL`, e.g. smtps://user:pass@smtp.nhs.net:465), or — the embedded default —
 * each message written as an .eml file under the data directory, so a demo never emails anyone.
 */
export function createMailer(opts: { smtpUrl?: string | undefined; from: string; mailDir: string }): Mailer {
  if (opts.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(opts.smtpUrl);
    return {
      describe: () => 'SMTP',
      async send(m) {
        await transport.sendMail({
          from: opts.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          messageId: m.messageId,
          ...(m.icalEvent ? { icalEvent: m.icalEvent } : {}),
        });
      },
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    describe: () => `files in ${opts.mailDir}`,
    async send(m) {
      const info = await transport.sendMail({
        from: opts.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        messageId: m.messageId,
        ...(m.icalEvent ? { icalEvent: m.icalEvent } : {}),
      });
      fs.mkdirSync(opts.mailDir, { recursive: true });
      const safe = m.messageId.replace(/[^\w.-]+/g, '_').slice(0, 120);
      // Written whole, then renamed: a crash never leaves half a message, and a resend overwrites the same file.
      const file = path.join(opts.mailDir, `${safe}.eml`);
      fs.writeFileSync(`${file}.tmp`, info.message as Buffer);
      fs.renameSync(`${file}.tmp`, file);
      // One line per send, resends included (the file above is overwritten): what went out, and when.
      fs.appendFileSync(path.join(opts.mailDir, 'sent.log'), `${new Date().toISOString()} ${m.messageId}\n`);
    },
  };
}
