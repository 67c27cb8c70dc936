// One's sessions and API tokens on the account page: a token's access and expiry, and a
// password change that signs out one's other browsers and can revoke every token.
import { expect, request, test, type Browser, type TestInfo } from "@playwright/test";
import { ADMIN, PASSWORD, TECH, jsEnabled, mailedLink, open, signIn, unique } from "./support";

test.beforeEach(async ({ page }, info) => {
  if (jsEnabled(info)) {
    page.on("pageerror", (error) => {
      throw new Error(`page error: ${error.message}`);
    });
  }
});

/** A new Acme requester, made through the REST API by the admin; their email. Changing a
 * password here must not touch the demo people other specs sign in as. */
async function newPerson(info: TestInfo): Promise<string> {
  const api = await request.newContext({ baseURL: info.project.use.baseURL });
  expect((await api.post("/api/v1/auth/login", { data: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const orgs = await (await api.get("/api/v1/orgs")).json();
  const acme = orgs.find((org: { name: string }) => org.name === "Acme Dental");
  const email = `${unique("sessions", info).replace(/\W+/g, "-")}@acme.example`;
  const res = await api.post("/api/v1/users", {
    data: { org_id: acme.id, role: "requester", email, name: "Sam Sessions" },
  });
  expect(res.status()).toBe(201);
  // Adding a person invites them: they choose their password through the mailed link.
  const token = mailedLink(email, "invitation").split("/").pop();
  expect((await api.post(`/api/v1/invitations/${token}`, { data: { password: PASSWORD } })).ok()).toBeTruthy();
  await api.dispose();
  return email;
}

/** The person signed in in a browser of their own: another device. */
async function elsewhere(browser: Browser, info: TestInfo, email: string) {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: jsEnabled(info),
  });
  const page = await context.newPage();
  await signIn(page, info, email);
  return { context, page };
}

test("a person makes a read-only token that expires in 30 days and sees its secret once", async ({ page }, info) => {
  const name = unique("nightly report", info);
  await signIn(page, info, TECH);
  await open(page, info, "/profile");

  await page.getByLabel("Token name").fill(name);
  await page.getByLabel("Access").selectOption({ label: "Read only" });
  await page.getByLabel("Expires", { exact: true }).selectOption({ label: "In 30 days" });
  await page.getByRole("button", { name: "Create token" }).click();

  const notice = page.getByRole("status").filter({ hasText: "Copy the new token" });
  await expect(notice).toContainText(name);
  await expect(notice.locator("code")).toHaveText(/^dsk_[0-9a-f]{64}$/);
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Read only");
  const expires = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await expect(row).toContainText(expires);

  await open(page, info, "/profile");
  await expect(page.getByText("Copy the new token")).toHaveCount(0);
  await expect(page.getByRole("row").filter({ hasText: name })).toBeVisible();
});

test("a token may expire on a chosen date", async ({ page }, info) => {
  const name = unique("until spring", info);
  const day = new Date(Date.now() + 100 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await signIn(page, info, TECH);
  await open(page, info, "/profile");

  await page.getByLabel("Token name").fill(name);
  await page.getByLabel("Expires", { exact: true }).selectOption({ label: "On the date below" });
  await page.getByLabel(/Expiry date/).fill(day);
  await page.getByRole("button", { name: "Create token" }).click();

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText(day);
  await expect(row).toContainText("Read only");
});

test("changing the password signs out one's other browsers and can revoke every token", async ({ page, browser }, info) => {
  const email = await newPerson(info);
  const other = await elsewhere(browser, info, email);
  await signIn(page, info, email);
  await open(page, info, "/profile");
  await page.getByLabel("Token name").fill("laptop script");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("row").filter({ hasText: "laptop script" })).toBeVisible();

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill("a much better password");
  await page.getByLabel("Repeat the new password").fill("a much better password");
  await page.getByLabel("Also revoke all my API tokens").check();
  await page.getByRole("button", { name: "Change password" }).click();

  if (jsEnabled(info)) {
    await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toContainText(
      "API token is revoked",
    );
  }
  await open(page, info, "/profile");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  await other.page.goto("/profile");
  await expect(other.page).toHaveURL(/\/login/);
  await other.context.close();
});
