// Signing in as a person would, and waiting for the WebAssembly where JavaScript runs.
import { expect, type Page, type TestInfo } from "@playwright/test";

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
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/** A name no other run or project has used. */
export function unique(prefix: string, info: TestInfo): string {
  return `${prefix} ${info.project.name} ${Date.now() % 1_000_000}`;
}
