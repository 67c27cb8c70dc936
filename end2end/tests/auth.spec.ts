// Signing in and out, wrong passwords, and the navigation each role gets.
import { expect, test } from "@playwright/test";
import {
  ACME_MANAGER,
  ACME_REQUESTER,
  ADMIN,
  PASSWORD,
  TECH,
  jsEnabled,
  open,
  signIn,
  trySignIn,
} from "./support";

test.beforeEach(async ({ page }, info) => {
  if (jsEnabled(info)) {
    page.on("pageerror", (error) => {
      throw new Error(`page error: ${error.message}`);
    });
  }
});

test("a person signs in, lands on their start page, and signs out", async ({ page }, info) => {
  await signIn(page, info, ACME_MANAGER);

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Mia Manager");
  // Their name opens the account menu (a disclosure, with JavaScript or without).
  const menu = page.locator("header .account-menu");
  await expect(menu.locator("summary")).toHaveText("Mia Manager");
  await menu.locator("summary").click();
  await expect(menu.getByRole("link", { name: "Profile and security" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in to Deskside" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password shows one clear message and keeps the visitor out", async ({ page }, info) => {
  await trySignIn(page, info, ACME_REQUESTER, "not my password");

  await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password." })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
});

test("after too many wrong passwords the form says plainly to wait", async ({ page }, info) => {
  // A made-up account, from an address of this project's own: no other test's sign-in limits
  // are touched.
  const who = `nobody.${info.project.name}.${Date.now() % 1_000_000}@acme.example`;
  await page.setExtraHTTPHeaders({ "x-forwarded-for": jsEnabled(info) ? "203.0.113.10" : "203.0.113.20" });
  for (let i = 0; i < 5; i++) {
    await trySignIn(page, info, who, `wrong guess ${i}`);
    await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password." })).toBeVisible();
  }

  await trySignIn(page, info, who, "one more guess");

  await expect(
    page.getByRole("alert").filter({ hasText: /Too many sign-in attempts\. To protect the account, please wait \d+ minutes/ }),
  ).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
});

test("navigation differs by role", async ({ page }, info) => {
  const expected: [string, string[], string[]][] = [
    [ADMIN, ["Home", "Admin"], ["People"]],
    [ACME_MANAGER, ["Home", "People"], ["Admin"]],
    [ACME_REQUESTER, ["Home"], ["Admin", "People"]],
    [TECH, ["Home"], ["Admin", "People"]],
  ];
  for (const [email, present, absent] of expected) {
    await page.context().clearCookies();
    await signIn(page, info, email);
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav).toBeVisible();
    for (const name of present) {
      await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
    }
    for (const name of absent) {
      await expect(nav.getByRole("link", { name, exact: true })).toHaveCount(0);
    }
  }
});

test("a page asked for before signing in is refused until one signs in", async ({ page }, info) => {
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin$/);

  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/admin");
  await expect(page.getByText("This page is not part of your role.")).toBeVisible();
});

test("signing in returns to the page asked for, and never to another site", async ({ page }, info) => {
  await open(page, info, "/tickets?status=open");
  await expect(page).toHaveURL(/\/login\?next=%2Ftickets%3Fstatus%3Dopen$/);
  await page.getByLabel("Email").fill(ACME_REQUESTER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/tickets\?status=open$/);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();

  // A link made elsewhere that names another site lands on the portal's own home page.
  await page.context().clearCookies();
  await open(page, info, "/login?next=//evil.example/");
  await page.getByLabel("Email").fill(ACME_REQUESTER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  expect(new URL(page.url()).host).toBe(new URL(info.project.use.baseURL!).host);
});
