// Signing in as a person would, and waiting for the WebAssembly where JavaScript runs.
import { expect, request, type Browser, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";

export const PASSWORD = "deskside-demo";
export const ADMIN = "admin@provider.example";
export const TECH = "tom@provider.example";
export const ACME_MANAGER = "mia@acme.example";
export const ACME_REQUESTER = "rob@acme.example";

export function jsEnabled(info: TestInfo): boolean {
  return info.project.name === "js";
}

/** Opens `path`; with JavaScript, waits until the page has hydrated. */
export async function open(page: Page, info: TestInfo, path: string) {
  await page.goto(path);
  if (jsEnabled(info)) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }
}

/** Fills in and submits the sign-in form, whatever the outcome. */
export async function trySignIn(page: Page, info: TestInfo, email: string, password: string) {
  await open(page, info, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and waits until the start page shows the person signed in. */
export async function signIn(page: Page, info: TestInfo, email: string, password = PASSWORD) {
  await trySignIn(page, info, email, password);
  await expect(page).not.toHaveURL(/\/login/);
  await expectSignedIn(page);
}

/**
 * The header is a signed-in person's: its main navigation is there, in the row of links on a
 * wide screen or folded into the Menu on a phone (where it shows once the menu opens).
 */
export async function expectSignedIn(page: Page) {
  await expect(page.getByRole("navigation", { name: "Main", includeHidden: true }).first()).toBeAttached();
}

/** A name no other run or project has used. */
export function unique(prefix: string, info: TestInfo): string {
  return `${prefix} ${info.project.name} ${Date.now() % 1_000_000}`;
}

/** Files a request as the Acme employee through the REST API; returns its number. */
export async function fileRequest(info: TestInfo, subject: string, priority: string): Promise<number> {
  const api = await request.newContext({ baseURL: info.project.use.baseURL });
  const login = await api.post("/api/v1/auth/login", { data: { email: ACME_REQUESTER, password: PASSWORD } });
  expect(login.ok()).toBeTruthy();
  const res = await api.post("/api/v1/tickets", {
    data: { subject, body: "Filed for the queue test.", priority, category: "Printing" },
  });
  expect(res.status()).toBe(201);
  const id = (await res.json()).id as number;
  await api.dispose();
  return id;
}

const people: Page[] = [];

/** A person in a browser page of their own, signed in; `closePeople` ends their streams. */
export async function person(browser: Browser, info: TestInfo, email: string): Promise<Page> {
  const page = await browser.newPage({ baseURL: info.project.use.baseURL });
  people.push(page);
  await signIn(page, info, email);
  return page;
}

/** Closes every page `person` opened; call it after each test that used them. */
export async function closePeople() {
  await Promise.all(people.splice(0).map((page) => page.close()));
}

/**
 * The path of the newest link of `kind` mailed to `to` (`/invite/…` or `/reset/…`), read from
 * the outbox as the person would read it in their mail: without SMTP, the server keeps it
 * there.
 */
export function mailedLink(to: string, kind: "invitation" | "password_reset"): string {
  // Specs make their own addresses; nothing else may reach the query.
  expect(to).toMatch(/^[a-z0-9.+-]+@[a-z0-9.-]+$/);
  const database = process.env.E2E_DATABASE;
  if (!database) throw new Error("E2E_DATABASE is set by playwright.config.ts");
  const body = execFileSync("sqlite3", [
    database,
    `select body_text from mail_outbox where kind = '${kind}' and to_address = '${to}' order by id desc limit 1`,
  ]).toString();
  const link = body.match(/\/(invite|reset)\/[0-9a-f]{64}/);
  if (!link) throw new Error(`no ${kind} link for ${to} in the outbox`);
  return link[0];
}

/** Invites `name` at `email` from the people form of the page open now (as admin or manager). */
export async function invite(page: Page, name: string, email: string) {
  await page.getByLabel("Name", { exact: true }).last().fill(name);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Invite person" }).click();
  await expect(page.getByRole("row").filter({ hasText: email })).toContainText("Invited, not yet accepted");
}

/** Opens the invitation mailed to `email` and chooses `password`; the person is signed in. */
export async function acceptInvitation(page: Page, info: TestInfo, email: string, password: string) {
  await open(page, info, mailedLink(email, "invitation"));
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Repeat the new password").fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expectSignedIn(page);
}
