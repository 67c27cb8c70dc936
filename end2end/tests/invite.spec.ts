// Accounts by email: an invited person chooses their own password through the mailed link,
// and a forgotten password is reset through one; each link works once. Read from the outbox,
// as the person would read their mail.
import { expect, test } from "@playwright/test";
import { ACME_MANAGER, acceptInvitation, invite, mailedLink, open, signIn, trySignIn, unique } from "./support";

/** A new address of Acme's for this run and project. */
function address(prefix: string, info: Parameters<typeof unique>[1]): string {
  return `${unique(prefix, info).replace(/\s+/g, ".").toLowerCase()}@acme.example`;
}

test("an invitation link signs the person in once and then tells anyone it no longer works", async ({ page }, info) => {
  const email = address("ivy", info);
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/people");
  await invite(page, "Ivy Invited", email);
  const link = mailedLink(email, "invitation");
  await page.context().clearCookies();

  await trySignIn(page, info, email, "not chosen yet");
  await expect(page.getByRole("alert")).toContainText("Invalid email or password.");
  await open(page, info, link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome, Ivy Invited");
  await page.getByLabel("New password", { exact: true }).fill("ivys own password");
  await page.getByLabel("Repeat the new password").fill("ivys own passwort");
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page.locator("#link-confirm-error")).toHaveText("The two passwords differ.");
  await page.getByLabel("New password", { exact: true }).fill("ivys own password");
  await page.getByLabel("Repeat the new password").fill("ivys own password");
  await page.getByRole("button", { name: "Set password and sign in" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Ivy Invited");
  await page.context().clearCookies();
  await open(page, info, link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This link no longer works");
  await expect(page.getByRole("alert")).toContainText("expired or was already used");
});

test("a forgotten password is reset by the mailed link, and the old one stops working", async ({ page }, info) => {
  const email = address("fay", info);
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/people");
  await invite(page, "Fay Forgetful", email);
  await page.context().clearCookies();
  await acceptInvitation(page, info, email, "the first password");
  await page.context().clearCookies();

  await open(page, info, "/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Forgot your password?");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account uses that address");
  await open(page, info, mailedLink(email, "password_reset"));
  await page.getByLabel("New password", { exact: true }).fill("the second password");
  await page.getByLabel("Repeat the new password").fill("the second password");
  await page.getByRole("button", { name: "Set password and sign in" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Fay Forgetful");
  await page.context().clearCookies();
  await trySignIn(page, info, email, "the first password");
  await expect(page.getByRole("alert")).toContainText("Invalid email or password.");
  await signIn(page, info, email, "the second password");
});

test("asking for a reset of an unknown address answers exactly as for a known one", async ({ page }, info) => {
  await open(page, info, "/forgot");
  await page.getByLabel("Email").fill(address("nobody", info));
  await page.getByRole("button", { name: "Send me a link" }).click();

  await expect(page.getByRole("status")).toContainText("If an account uses that address");
});
