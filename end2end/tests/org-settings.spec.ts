// The organization settings page as one form: nothing typed in one section is lost by saving
// another, time zones are picked from a list, errors leave once fixed.
import { expect, test } from "@playwright/test";
import { ADMIN, jsEnabled, open, signIn, unique } from "./support";
import type { Page, TestInfo } from "@playwright/test";

async function birchSettings(page: Page, info: TestInfo) {
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");
  await page.getByRole("link", { name: "Birch Accounting" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Birch Accounting: settings");
}

test("one Save keeps the changes of every section", async ({ page }, info) => {
  await birchSettings(page, info);
  await expect(page.getByRole("button", { name: /^Save/ })).toHaveCount(1);
  const category = unique("Scanners", info);

  await page.getByLabel("New category").fill(category);
  await page.getByLabel("Urgent first response (hours)").fill("1.5");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByLabel(`Name of ${category}`)).toBeVisible();
  await open(page, info, page.url().replace(/^https?:\/\/[^/]+/, ""));
  await expect(page.getByLabel(`Name of ${category}`)).toBeVisible();
  await expect(page.getByLabel("Urgent first response (hours)")).toHaveValue("1.5");
});

test("the time zone is picked from the IANA list and a spoken name is explained at the field", async ({ page }, info) => {
  await birchSettings(page, info);
  const zone = page.getByLabel("Time zone");
  await expect(zone).toHaveAttribute("list", "time-zones");
  await expect(page.locator("datalist#time-zones option[value='America/New_York']")).toHaveCount(1);

  await zone.fill("Eastern Time");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.locator("#hours-zone-error")).toContainText("Pick one from the list");
  await expect(page.getByRole("alert").first()).toContainText("Check the fields marked below");

  // The next success clears the error.
  await page.getByLabel("Time zone").fill("America/New_York");
  await page.getByRole("button", { name: "Save settings" }).click();
  if (jsEnabled(info)) await expect(page.getByText("Settings saved.")).toBeVisible();
  await expect(page.locator("#hours-zone-error")).toBeEmpty();
  await expect(page.getByText("Check the fields marked below")).toHaveCount(0);
  await expect(page.getByLabel("Time zone")).toHaveValue("America/New_York");
});

test("Other, where uncategorized requests go, offers no archiving", async ({ page }, info) => {
  await birchSettings(page, info);
  const other = page.locator("ul.categories li", { hasText: "Other" });
  await expect(other).toContainText("where uncategorized requests go");
  await expect(other.getByRole("checkbox")).toHaveCount(0);
  await expect(other.getByRole("button")).toHaveCount(0);
});
