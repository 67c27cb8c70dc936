// The organization settings page with JavaScript: leaving with unsaved changes asks first.
import { expect, test } from "@playwright/test";
import { ADMIN, open, signIn } from "./support";
import type { Page, TestInfo } from "@playwright/test";

async function birchSettings(page: Page, info: TestInfo) {
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");
  await page.getByRole("link", { name: "Birch Accounting" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Birch Accounting: settings");
}


test("leaving with unsaved changes asks first", async ({ page }, info) => {
  await birchSettings(page, info);
  await page.getByLabel("New category").fill("Unsaved");
  let asked = "";
  page.once("dialog", async (dialog) => {
    asked = dialog.message();
    await dialog.dismiss();
  });
  await page.getByRole("link", { name: "Admin" }).first().click();
  expect(asked).toContain("not saved");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Birch Accounting: settings");
  await expect(page.getByLabel("New category")).toHaveValue("Unsaved");
});
