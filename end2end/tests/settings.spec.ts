// Admins set up a client organization's categories and business hours; managers decide
// whether colleagues see each other's tickets.
import { expect, test } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, ADMIN, open, signIn, unique } from "./support";
import type { Page, TestInfo } from "@playwright/test";

// With JavaScript the form says it saved; without, the post reloads the page with what was saved.
async function saved(page: Page, info: TestInfo, text: string) {
  if (info.project.use.javaScriptEnabled) {
    await expect(page.getByText(text)).toBeVisible();
  } else {
    await page.waitForLoadState();
  }
}

test("an admin adds a category that employees can then file under", async ({ page, browser }, info) => {
  const category = unique("Phones", info);
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");
  await page.getByRole("link", { name: "Acme Dental" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme Dental: settings");

  await page.getByLabel("New category").fill(category);
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByLabel(`Name of ${category}`)).toBeVisible();

  const employee = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await expect(employee.getByLabel("Category").locator("option", { hasText: category })).toHaveCount(1);
});

test("business hours with an unknown time zone are explained next to the field", async ({ page }, info) => {
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");
  await page.getByRole("link", { name: "Birch Accounting" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Birch Accounting: settings");

  await page.getByLabel("Time zone").fill("Atlantis/Lost");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.locator("#hours-zone-error")).toContainText("Unknown time zone");

  await page.getByLabel("Time zone").fill("Europe/Vienna");
  await page.getByLabel("Saturday").check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await saved(page, info, "Settings saved.");
  await expect(page.locator("#hours-zone-error")).toBeEmpty();
  await open(page, info, page.url().replace(/^https?:\/\/[^/]+/, ""));
  await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Vienna");
  await expect(page.getByLabel("Saturday")).toBeChecked();
});

test("a manager turns on ticket sharing for their office", async ({ page }, info) => {
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/settings");
  const share = page.getByLabel("Colleagues see each other's tickets (managers always see all of them)");
  // One Save; what only the provider sets reads as theirs, not as greyed-out fields.
  await expect(page.getByRole("button", { name: "Save settings" })).toHaveCount(1);
  await expect(page.getByLabel("Time zone")).toHaveCount(0);
  await expect(page.getByText("Set by your IT provider.").first()).toBeVisible();
  await expect(page.locator("input:disabled, fieldset:disabled")).toHaveCount(0);

  const wanted = !(await share.isChecked());
  await share.setChecked(wanted);
  await page.getByRole("button", { name: "Save settings" }).click();
  await saved(page, info, "Settings saved.");
  await open(page, info, "/settings");
  await expect(share).toBeChecked({ checked: wanted });
});
