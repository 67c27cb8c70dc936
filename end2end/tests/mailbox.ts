// A person's mail client for the browser tests: sending through the test SMTP server and reading
// an IMAP mailbox of the servers playwright.config.ts starts (end2end/mailservers.py), with
// nodemailer, imapflow and mailparser rather than protocol written by hand.
import { expect } from "@playwright/test";
import { ImapFlow } from "imapflow";
import { simpleParser, type ParsedMail } from "mailparser";
import { createTransport, type SendMailOptions } from "nodemailer";

/** The address people email for help (Deskside's `--mail-from` and `--imap-mailbox`). */
export const HELP_DESK = "help@example.com";
/** Every mailbox's password on the test servers. */
const MAIL_PASSWORD = "secret";
const HOST = "127.0.0.1";

function port(name: "E2E_SMTP_PORT" | "E2E_IMAP_PORT"): number {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is set by playwright.config.ts`);
  return Number(value);
}

/** Submits `message` over SMTP, as a mail client would; returns its Message-ID. */
export async function sendMail(message: SendMailOptions): Promise<string> {
  // Plain SMTP on loopback, as Deskside's `--smtp-url` uses it: the test CA is not trusted here.
  const transport = createTransport({ host: HOST, port: port("E2E_SMTP_PORT"), secure: false, ignoreTLS: true });
  try {
    const sent = await transport.sendMail(message);
    expect(sent.rejected, "recipients the server refused").toEqual([]);
    return sent.messageId;
  } finally {
    transport.close();
  }
}

/** Every message in `user`'s INBOX, parsed, oldest first; read-only, so nothing is marked seen. */
export async function inbox(user: string): Promise<ParsedMail[]> {
  const client = new ImapFlow({
    host: HOST,
    port: port("E2E_IMAP_PORT"),
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: MAIL_PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock("INBOX", { readOnly: true });
    try {
      const sources: Buffer[] = [];
      if (client.mailbox && client.mailbox.exists > 0) {
        for await (const message of client.fetch("1:*", { source: true })) {
          if (message.source) sources.push(message.source);
        }
      }
      return await Promise.all(sources.map((source) => simpleParser(source)));
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** Waits until `user`'s INBOX holds a message `matches` accepts, and returns it. */
export async function waitForMail(
  user: string,
  what: string,
  matches: (message: ParsedMail) => boolean,
): Promise<ParsedMail> {
  let found: ParsedMail | undefined;
  await expect
    .poll(
      async () => {
        found = (await inbox(user)).find(matches);
        return found !== undefined;
      },
      { message: `${what} in ${user}'s mailbox`, timeout: 20_000 },
    )
    .toBe(true);
  return found as ParsedMail;
}

/** A header's addresses or Message-IDs as a list, however mailparser gave them. */
export function ids(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : value.split(/\s+/)).filter((id) => id !== "");
}

/** The first address of a parsed address header (`To`, `Reply-To`). */
export function firstAddress(header: ParsedMail["replyTo"] | ParsedMail["to"]): string | undefined {
  const list = Array.isArray(header) ? header : header ? [header] : [];
  return list.flatMap((group) => group.value).find((address) => address.address)?.address;
}

/** A message's words as a person reads them: its subject, text and HTML parts. */
export function readable(message: ParsedMail): string {
  return [message.subject ?? "", message.text ?? "", typeof message.html === "string" ? message.html : ""].join("\n");
}
