// Admins create organizations and people; managers add requesters to their own office.
import { expect, test } from "@playwright/test";
import { ACME_MANAGER, ADMIN, acceptInvitation, invite, open, signIn, unique } from "./support";

test("an admin creates a client organization and it is listed", async ({ page }, info) => {
  const name = unique("Cedar Law", info);
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");

  await page.getByLabel("Name", { exact: true }).first().fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();

  await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();
  await expect(page.getByLabel("Organization", { exact: true })).toContainText(name);
});

test("an admin sees a clear message next to a duplicate organization name", async ({ page }, info) => {
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");

  await page.getByLabel("Name", { exact: true }).first().fill("acme dental");
  await page.getByRole("button", { name: "Create organization" }).click();

  await expect(page.locator("#org-name-error")).toHaveText(
    "An organization with this name exists already.",
  );
});

test("a manager invites a requester who chooses a password and can then sign in", async ({ page }, info) => {
  const email = `${unique("new", info).replace(/\s+/g, ".").toLowerCase()}@acme.example`;
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/people");

  await invite(page, "Nia New", email);

  await page.context().clearCookies();
  await acceptInvitation(page, info, email, "welcome to acme");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Nia New");
  await page.context().clearCookies();
  await signIn(page, info, email, "welcome to acme");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Nia New");
});

test("bad input in the people form is explained next to each field", async ({ page }, info) => {
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/people");

  await page.getByLabel("Name").fill("X");
  await page.getByLabel("Email").fill("rob@acme.example");
  await page.getByRole("button", { name: "Invite person" }).click();

  await expect(page.locator("#user-email-error")).toHaveText("Someone with this email exists already.");
});

test("an admin sees how much of its file quota each organization uses", async ({ page }, info) => {
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");

  const files = page.getByRole("columnheader", { name: "Files" });
  await expect(files).toBeVisible();
  // The organizations' table; the people's rows name their organization too.
  const orgs = page.getByRole("table").filter({ has: files });
  const acme = orgs.getByRole("row").filter({ hasText: "Acme Dental" });
  await expect(acme.getByRole("cell").last()).toHaveText(/^\d+(\.\d)? [KMG]B of \d+\.\d [KMG]B$/);
});

test("a created organization is announced and the form starts blank again", async ({ page }, info) => {
  const name = unique("Cedar Law", info);
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");

  const field = page.getByLabel("Name", { exact: true }).first();
  await field.fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();

  await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();
  await expect(page.getByText(`Organization ${name} created.`)).toBeVisible();
  await expect(field).toHaveValue("");
});

test("one's own row offers no deactivation the server would refuse", async ({ page }, info) => {
  for (const [who, path, email] of [
    [ADMIN, "/admin", ADMIN],
    [ACME_MANAGER, "/people", ACME_MANAGER],
  ]) {
    await page.context().clearCookies();
    await signIn(page, info, who);
    await open(page, info, path);
    const own = page.getByRole("row").filter({ hasText: email });
    await expect(own).toContainText("This is you");
    await expect(own.getByRole("button")).toHaveCount(0);
    // Others' rows still offer it.
    await expect(page.getByRole("button", { name: /^Deactivate / }).first()).toBeVisible();
  }
});
