// Light, dark or the device's own setting (issue #17): chosen on the account page, kept by
// this browser, and every page arrives in its colours, with JavaScript on and off. (axe checks
// both palettes on every page in a11y.spec.ts.)
import { expect, test, type Page } from "@playwright/test";
import { ACME_REQUESTER, open, signIn } from "./support";

/** The page's background colour as drawn. */
async function background(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}
const LIGHT = "rgb(255, 255, 255)";
const DARK = "rgb(15, 23, 42)";

async function choose(page: Page, label: string) {
  await page.getByRole("radio", { name: label }).check();
  await page.getByRole("button", { name: "Save appearance" }).click();
}

test("a person picks dark, light or the device's setting, and every page follows", async ({ page }, info) => {
  await page.emulateMedia({ colorScheme: "light" });
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/profile");
  await expect(page.getByRole("radio", { name: "Same as this device" })).toBeChecked();
  expect(await background(page)).toBe(LIGHT);

  await choose(page, "Dark");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect.poll(() => background(page)).toBe(DARK);
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();

  // Other pages, and the same page loaded again, arrive dark though the device is light.
  for (const path of ["/tickets", "/wiki", "/profile"]) {
    await open(page, info, path);
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    expect(await background(page)).toBe(DARK);
  }
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();

  // Light, with the device dark.
  await page.emulateMedia({ colorScheme: "dark" });
  await choose(page, "Light");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await expect.poll(() => background(page)).toBe(LIGHT);
  await open(page, info, "/tickets/new");
  expect(await background(page)).toBe(LIGHT);

  // Back to the device's setting: it follows the device again.
  await open(page, info, "/profile");
  await choose(page, "Same as this device");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "system");
  await expect.poll(() => background(page)).toBe(DARK);
  await page.emulateMedia({ colorScheme: "light" });
  await expect.poll(() => background(page)).toBe(LIGHT);
});

test("the choice belongs to the browser it was made in", async ({ page, browser }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/profile");
  await choose(page, "Dark");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");

  const other = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: info.project.use.javaScriptEnabled, colorScheme: "light" });
  const elsewhere = await other.newPage();
  await signIn(elsewhere, info, ACME_REQUESTER);
  await open(elsewhere, info, "/profile");
  await expect(elsewhere.locator("html")).toHaveAttribute("data-theme", "system");
  expect(await background(elsewhere)).toBe(LIGHT);
  await other.close();
});
