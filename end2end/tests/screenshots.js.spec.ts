// The README's screenshots, taken from a server of their own with the lived-in demo (90 days
// of two offices), so they show the pages as they are today. Each shot first checks that its
// page has the data it is meant to show. Written to end2end/screenshots/, which the README
// opens with.
import { expect, test, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACME_MANAGER, ACME_REQUESTER, PASSWORD, TECH } from "./support";

// Beside the main test server (E2E_PORT) and its mail servers (the next two ports).
const port = Number(process.env.E2E_PORT ?? 3100) + 3;
const base = `http://127.0.0.1:${port}`;
const OUT = join(__dirname, "..", "screenshots");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let server: ChildProcess | undefined;
let dir = "";

test.beforeAll(async () => {
  test.setTimeout(60_000);
  dir = mkdtempSync(join(tmpdir(), "deskside-shots-"));
  server = spawn(
    "../target/release/server",
    [
      "--database", join(dir, "db.sqlite"),
      "--data-dir", join(dir, "files"),
      "--bind", `127.0.0.1:${port}`,
      "--base-url", base,
      "--site-root", "../target/site",
      "--demo",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await expect
    .poll(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status, { timeout: 30_000 })
    .toBe(200);
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

/** Signs `page` in as `email` through the API (the sign-in form has tests of its own). */
async function as(page: Page, email: string) {
  const login = await page.request.post(`${base}/api/v1/auth/login`, { data: { email, password: PASSWORD } });
  expect(login.ok()).toBeTruthy();
}

async function show(page: Page, path: string) {
  await page.goto(`${base}${path}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
}

async function shoot(page: Page, name: string) {
  // Countdowns and toasts move; the shot is of the page at rest.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  await page.screenshot({ path: join(OUT, `${name}.png`) });
}

test("an employee's home page and a phone's", async ({ browser }) => {
  const page = await browser.newPage({ viewport: DESKTOP });
  await as(page, ACME_REQUESTER);
  await show(page, "/");
  await expect(page.getByRole("region", { name: "Your open requests" }).getByRole("listitem").first()).toBeVisible();
  await page.getByRole("searchbox", { name: "What do you need help with?" }).pressSequentially("printer");
  await expect(page.getByRole("region", { name: "From the wiki" }).getByRole("link").first()).toBeVisible();
  await shoot(page, "home-employee");

  await page.setViewportSize(PHONE);
  await show(page, "/");
  await shoot(page, "phone-employee");
  await page.close();
});

test("a technician's desk, the queue and a ticket", async ({ browser }) => {
  const page = await browser.newPage({ viewport: DESKTOP });
  await as(page, TECH);
  await show(page, "/");
  const mine = page.getByRole("region", { name: "Your tickets, next due first" });
  await expect(mine.getByRole("listitem").first()).toBeVisible();
  await shoot(page, "home-technician");

  await show(page, "/tickets");
  await expect(page.locator("table.queue tbody tr").first()).toBeVisible();
  await shoot(page, "queue");

  // The busiest conversation on the first page of the queue reads best.
  await show(page, "/tickets?status=active&sort=updated");
  await page.locator("table.queue tbody tr a").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^#\d+ /);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await shoot(page, "ticket");
  await page.close();
});

test("an office manager's month and report, and a wiki article", async ({ browser }) => {
  const page = await browser.newPage({ viewport: DESKTOP });
  await as(page, ACME_MANAGER);
  await show(page, "/");
  await expect(page.getByRole("region", { name: "This month at a glance" })).toBeVisible();
  await shoot(page, "home-manager");

  await show(page, "/reports");
  await expect(page.locator("figure.chart svg").first()).toBeVisible();
  await shoot(page, "reports");

  await show(page, "/wiki/printer-offline");
  await shoot(page, "wiki-article");
  await page.close();
});
