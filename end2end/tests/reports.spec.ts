// Time on tickets and the workload dashboard, with JavaScript on and off.
import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { ACME_MANAGER, ACME_REQUESTER, TECH, fileRequest, open, signIn, unique } from "./support";

test("a technician logs time by hand and with the timer; the requester never sees it", async ({ page, browser }, info) => {
  const subject = unique("Toner empty", info);
  const id = await fileRequest(info, subject, "normal");
  await signIn(page, info, TECH);
  await open(page, info, `/tickets/${id}`);
  const time = page.getByRole("region", { name: "Time" });
  await expect(time).toContainText("Logged: 0 min");

  // The form folds away under its summary; it stays open while it shows an error.
  const unfold = async () => {
    if (!(await time.getByLabel("Minutes").isVisible())) {
      await time.getByText("Log time by hand").click();
    }
  };
  await unfold();
  await time.getByLabel("Minutes").fill("none");
  await time.getByRole("button", { name: "Log time" }).click();
  await expect(page.getByText("Give the time in whole minutes, e.g. 15.")).toBeVisible();

  await unfold();
  const form = time;
  await form.getByLabel("Minutes").fill("45");
  await form.getByLabel("Note").fill("Replaced the toner cartridge");
  await form.getByRole("button", { name: "Log time" }).click();
  await expect(form).toContainText("Logged: 45 min");
  await expect(form.getByRole("cell", { name: "Replaced the toner cartridge" })).toBeVisible();

  await form.getByRole("button", { name: "Start timer" }).click();
  await expect(form.getByText("Timer running since")).toBeVisible();
  await form.getByRole("button", { name: "Stop timer" }).click();
  await expect(form).toContainText("Logged: 46 min");
  // Staff see the time in the ticket's log; it is internal.
  await expect(page.locator(".timeline")).toContainText("Tom Technician logged 45 min");

  const employee = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, `/tickets/${id}`);
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(employee.getByRole("region", { name: "Time" })).toHaveCount(0);
  await expect(employee.getByText("Replaced the toner cartridge")).toHaveCount(0);
  await expect(employee.locator(".timeline")).not.toContainText("logged");
  await employee.close();
});

test("time is dated on the technician's own day, not UTC's", async ({ browser }, info) => {
  // Kiritimati is 14 hours ahead of UTC, Pago Pago 11 behind: at any hour, one of them is on
  // another day than UTC.
  const id = await fileRequest(info, unique("Late-night printer jam", info), "normal");
  for (const zone of ["Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
    const context = await browser.newContext({
      baseURL: info.project.use.baseURL,
      javaScriptEnabled: info.project.use.javaScriptEnabled,
      timezoneId: zone,
    });
    const page = await context.newPage();
    await signIn(page, info, TECH);
    // Chosen on the account page, so the server knows it with JavaScript off too.
    await open(page, info, "/profile");
    await page.getByLabel("Time zone on this browser").fill(zone);
    await page.getByRole("button", { name: "Save time zone" }).click();
    await expect(page.getByText(`Times show in ${zone}, chosen here.`)).toBeVisible();
    const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());
    const before = today();

    await open(page, info, `/tickets/${id}`);
    const time = page.getByRole("region", { name: "Time" });
    if (!(await time.getByLabel("Minutes").isVisible())) {
      await time.getByText("Log time by hand").click();
    }
    const days = [before, today()];
    expect(days).toContain(await time.getByLabel("Date").inputValue());
    await time.getByLabel("Minutes").fill("5");
    await time.getByLabel("Note").fill(`Logged in ${zone}`);
    await time.getByRole("button", { name: "Log time" }).click();
    const row = time.getByRole("row").filter({ hasText: `Logged in ${zone}` });
    await expect(row).toBeVisible();
    expect(days).toContain(((await row.getByRole("cell").first().textContent()) ?? "").trim());
    await context.close();
  }
});

test("a manager opens the dashboard and downloads the figures as CSV", async ({ page }, info) => {
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/reports");
  await expect(page.getByRole("heading", { name: "Reports" })).toBeVisible();
  await expect(page.locator("p.lead")).toContainText("Acme Dental");
  await expect(page.getByRole("list", { name: "Key figures" })).toContainText("open tickets");
  await expect(page.getByRole("figure", { name: "New and resolved per day" })).toBeVisible();
  // Each chart's figures are also a table, for screen readers: one row per day of the period.
  await expect(page.getByRole("table", { name: "New and resolved per day" }).locator("tbody tr")).toHaveCount(30);
  await expect(page.getByText(/of 10 included hours used/)).toBeVisible();
  // Managers pick no organization: theirs is the only one.
  await expect(page.getByLabel("Organization")).toHaveCount(0);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the figures (CSV)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^workload-.*\.csv$/);
  const csv = await readFile((await download.path()) as string, "utf8");
  expect(csv.split("\r\n")[0]).toMatch(/^section,/);
  expect(csv).toContain("backlog");

  // A period that ends before it starts is explained, not a broken page.
  await open(page, info, "/reports?from=2026-11-20&to=2026-11-01");
  await expect(page.getByRole("alert")).toContainText("The period must start before it ends.");
});
