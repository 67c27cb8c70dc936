// The admin's Mail page against the real SMTP server playwright.config.ts starts: it names the
// relay, and "Send a test message" reaches a real mailbox and shows as delivered in the outbox.
// With JavaScript and without.
import { expect, test } from "@playwright/test";
import { ADMIN, open, signIn } from "./support";
import { HELP_DESK, waitForMail } from "./mailbox";

test("an admin's test message is delivered through the SMTP server into the mailbox", async ({ page }, info) => {
  const to = `mail-check-${info.project.name}-${Date.now() % 1_000_000}@example.com`;
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin/mail");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mail");

  // The page says where mail goes: the relay the server was started with.
  const sending = page.getByRole("region", { name: "Sending" });
  await expect(sending).toContainText(`127.0.0.1:${process.env.E2E_SMTP_PORT}`);
  await expect(sending).toContainText(HELP_DESK);

  await page.getByLabel("To", { exact: true }).fill(to);
  await page.getByRole("button", { name: "Send test message" }).click();

  const message = await waitForMail(to, "the test message", (m) => m.subject === "Deskside test message");
  expect(message.from?.text).toContain(HELP_DESK);
  expect(message.headers.get("auto-submitted")).toBe("auto-generated");

  // The outbox records the relay's acceptance (written just after the relay answered).
  await expect(async () => {
    await open(page, info, "/admin/mail");
    const row = page.locator("table.outbox tbody tr").filter({ hasText: to });
    await expect(row).toContainText("Delivered", { timeout: 1_000 });
  }).toPass();
  const row = page.locator("table.outbox tbody tr").filter({ hasText: to });
  await expect(row.getByRole("cell").nth(1)).toHaveText("test");
});
