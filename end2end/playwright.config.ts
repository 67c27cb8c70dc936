// Browser tests: Debian's Chromium against the release build, once with JavaScript and once
// without, so every page is proven before and after hydration.
import { defineConfig } from "@playwright/test";
import { tmpdir } from "node:os";
import { join } from "node:path";

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// Set once, in the runner: its workers inherit the environment (they evaluate this file again),
// so specs find the same database to read the outbox from (`mailedLink` in support.ts).
process.env.E2E_DATABASE ??= join(tmpdir(), `deskside-e2e-${process.pid}-${Date.now()}.db`);
const database = process.env.E2E_DATABASE;
// Real mail servers (end2end/mailservers.py: aiosmtpd relaying into Dovecot) on fixed ports, so
// the server's flags can name them; in the environment too, so specs reach the same servers
// (tests/mailbox.ts).
process.env.E2E_SMTP_PORT ??= String(port + 1);
process.env.E2E_IMAP_PORT ??= String(port + 2);
const smtpPort = Number(process.env.E2E_SMTP_PORT);
const imapPort = Number(process.env.E2E_IMAP_PORT);
/** The address people email for help; Deskside reads its mailbox and sends from it. */
const helpDesk = "help@example.com";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    },
  },
  projects: [
    { name: "js", use: { javaScriptEnabled: true } },
    // The live stream and typing-time suggestions need JavaScript (*.live.spec.ts and
    // *.js.spec.ts); without it, pages show changes on reload.
    { name: "no-js", use: { javaScriptEnabled: false }, testIgnore: /(live|js)\.spec\.ts/ },
  ],
  // Started in this order and stopped in the reverse one: the mail servers are up before
  // Deskside connects, and outlive it.
  webServer: [
    {
      name: "mail",
      // `exec`: the Python is the process group Playwright signals, and it takes Dovecot and its
      // temporary directory down with it (SIGTERM, or its stdin closing if the runner dies).
      command:
        `exec ../target/mail-venv/bin/python mailservers.py ` +
        `--smtp-port ${smtpPort} --imap-port ${imapPort}`,
      // The SMTP port opens last, once Dovecot accepts connections.
      port: smtpPort,
      reuseExistingServer: false,
      timeout: 30_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      name: "deskside",
      command:
        `../target/release/server --database ${database} --data-dir ${database}.files ` +
        `--bind 127.0.0.1:${port} --base-url ${baseURL} --site-root ../target/site --demo --demo-days 0 ` +
        // Lets a spec act as a visitor from an address of its own (`X-Forwarded-For`), so the
        // sign-in limits it trips touch no other spec.
        `--trusted-proxies 127.0.0.1 ` +
        // Mail both ways through the servers above: notifications out over plain SMTP on
        // loopback, and the help desk's mailbox read over IMAP (every password is `secret`).
        `--mail-from "IT Help <${helpDesk}>" --smtp-url smtp://127.0.0.1:${smtpPort} ` +
        `--imap-mailbox "imap://${encodeURIComponent(helpDesk)}@127.0.0.1:${imapPort}/INBOX?tls=none" ` +
        `--imap-password secret`,
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
