// The admin's Mail page against the real SMTP server playwright.config.ts starts: it names the
// relay, and "Send a test message" reaches a real mailbox and shows as delivered in the outbox;
// the admins choose which new tickets mail the staff. With JavaScript and without.
import { expect, test } from "@playwright/test";
import type { Locator, Page, TestInfo } from "@playwright/test";
import { ADMIN, jsEnabled, open, signIn } from "./support";
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

// Saves the "New tickets" form with `choice`: with JavaScript the form says so; without, the
// post reloads the page with what was saved.
async function saveNewTicketMail(page: Page, info: TestInfo, section: Locator, choice: string, said: string) {
  await section.getByRole("radio", { name: choice, exact: true }).check();
  await section.getByRole("button", { name: "Save", exact: true }).click();
  if (jsEnabled(info)) {
    await expect(section.getByRole("status")).toHaveText(said);
  } else {
    await page.waitForLoadState();
  }
  await open(page, info, "/admin/mail");
  await expect(section.getByRole("radio", { name: choice, exact: true })).toBeChecked();
}

test("an admin chooses which new tickets mail the staff, and the choice is kept", async ({ page }, info) => {
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin/mail");
  const section = page.getByRole("region", { name: "New tickets" });
  await expect(section.getByRole("radio")).toHaveCount(3);

  await saveNewTicketMail(
    page,
    info,
    section,
    "Every new ticket",
    "Saved: the staff are mailed about every new ticket.",
  );
  await expect(section.getByRole("radio", { name: "Urgent tickets only (the default)", exact: true })).not.toBeChecked();

  // Back to the default, which the specs counting the staff's mail expect.
  await saveNewTicketMail(
    page,
    info,
    section,
    "Urgent tickets only (the default)",
    "Saved: the staff are mailed about urgent new tickets only.",
  );
});
