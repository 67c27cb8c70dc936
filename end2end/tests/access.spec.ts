// The access log: a technician opens a client's ticket; the client's manager sees it on
// /access, filters it and downloads it, with JavaScript on and off.
import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { ACME_MANAGER, ACME_REQUESTER, TECH, fileRequest, open, signIn, unique } from "./support";

test("a manager sees who of the provider opened a ticket, filters and downloads the log", async ({ page, browser }, info) => {
  const subject = unique("Backup failed", info);
  const id = await fileRequest(info, subject, "normal");

  const tom = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(tom, info, TECH);
  await open(tom, info, `/tickets/${id}`);
  await expect(tom.getByRole("heading", { level: 1 })).toContainText(subject);
  // The log is the client's: technicians have no link to it and no page.
  await expect(tom.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Access log" })).toHaveCount(0);
  await open(tom, info, "/access");
  await expect(tom.getByText("This page is not part of your role.")).toBeVisible();
  await tom.close();

  await signIn(page, info, ACME_MANAGER);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Access log" }).click();
  await expect(page).toHaveURL(/\/access$/);
  await expect(page.getByRole("heading", { name: "Access log" })).toBeVisible();
  const entries = page.getByRole("table", { name: "Access log entries" });
  const row = entries.getByRole("row").filter({ hasText: subject });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Tom Technician");
  await expect(row).toContainText("Web portal");
  await expect(row.getByRole("link", { name: new RegExp(subject) })).toHaveAttribute("href", `/tickets/${id}`);

  // Filtering is a plain GET form: the choice is in the address.
  await page.getByLabel("Person").selectOption({ label: "Tom Technician" });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/[?&]person=\d+/);
  await expect(entries.getByRole("row").filter({ hasText: subject })).toHaveCount(1);

  // A period before the open shows nothing of it.
  await open(page, info, "/access?to=2000-01-01");
  await expect(page.getByText(subject)).toHaveCount(0);
  // A period that ends before it starts is explained, not a broken page.
  await open(page, info, "/access?from=2026-11-20&to=2026-11-01");
  await expect(page.getByRole("alert")).toContainText("The period must start before it ends.");

  await open(page, info, "/access");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download this log (CSV)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^access-log-\d+\.csv$/);
  const csv = await readFile((await download.path()) as string, "utf8");
  expect(csv.split("\r\n")[0]).toBe("first_at,last_at,person,email,kind,object,ticket,via,count");
  expect(csv).toContain(`#${id} ${subject}`);
});

test("a requester has no access log", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Access log" })).toHaveCount(0);
  await open(page, info, "/access");
  await expect(page.getByText("This page is not part of your role.")).toBeVisible();
});
