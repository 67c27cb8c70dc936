// The admin's home page is a setup checklist: each step links to where it is done and ticks
// itself from the data; nobody else sees it.
import { expect, test } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, ADMIN, TECH, jsEnabled, open, signIn, unique } from "./support";

const HOURS = "Set business hours and response targets";

test("an admin's home page counts the setup steps done and links each to its page", async ({ page }, info) => {
  await signIn(page, info, ADMIN);
  await open(page, info, "/");

  const checklist = page.getByRole("region", { name: "Set up Deskside" });
  await expect(checklist).toBeVisible();
  await expect(checklist).toContainText(/[0-7] of 8 done/);
  const steps = checklist.locator("li.setup-step");
  await expect(steps).toHaveCount(8);
  // Each step says in words whether it is done.
  for (const text of await steps.locator(".setup-mark").allInnerTexts()) {
    expect(["Done", "To do"]).toContain(text.trim());
  }
  await expect(steps.filter({ hasText: "Add a client organization" }).locator(".setup-mark")).toHaveText("Done");

  await checklist.getByRole("link", { name: "Turn on two-factor sign-in for your account" }).click();
  await expect(page).toHaveURL(/\/profile\/two-factor$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Two-factor");
});

test("a new organization's hours step waits until its settings are saved", async ({ page }, info) => {
  // Sorts before every other organization, so the step names it.
  const name = unique("00 Setup", info);
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");
  await page.getByLabel("Name", { exact: true }).first().fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();

  await open(page, info, "/");
  const hours = page.locator("li.setup-step", { hasText: HOURS });
  await expect(hours.locator(".setup-mark")).toHaveText("To do");
  await expect(hours).toContainText(name);

  await open(page, info, "/admin");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${name}: settings`);
  await page.getByRole("button", { name: "Save settings" }).click();
  if (jsEnabled(info)) await expect(page.getByText("Settings saved.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${name}: settings`);

  await open(page, info, "/");
  await expect(page.locator("li.setup-step", { hasText: HOURS })).not.toContainText(name);
});

for (const who of [TECH, ACME_MANAGER, ACME_REQUESTER]) {
  test(`${who} has no setup checklist on the home page`, async ({ page }, info) => {
    await signIn(page, info, who);
    await open(page, info, "/");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Hello");
    await expect(page.getByText("Set up Deskside")).toHaveCount(0);
    await expect(page.locator("li.setup-step")).toHaveCount(0);
  });
}
