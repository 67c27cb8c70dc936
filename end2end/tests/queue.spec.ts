// The technicians' queue: filter, sort, save a view and change several tickets at once, with
// JavaScript and without; the keyboard with JavaScript.
import { expect, test } from "@playwright/test";
import { TECH, fileRequest, jsEnabled, open, signIn, unique } from "./support";

test("a technician filters the queue, sorts it, and claims two tickets at once", async ({ page }, info) => {
  const first = unique("Toner empty", info);
  const second = unique("Paper jam", info);
  const other = unique("Mouse squeaks", info);
  await fileRequest(info, first, "urgent");
  await fileRequest(info, second, "urgent");
  await fileRequest(info, other, "low");
  await signIn(page, info, TECH);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Queue" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Queue");
  if (jsEnabled(info)) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }

  await page.getByLabel("Search", { exact: true }).fill(info.project.name);
  await page.getByLabel("Priority").selectOption({ label: "Urgent" });
  await page.getByLabel("Assignee").selectOption({ label: "Unassigned" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/priority=urgent/);
  await expect(page.getByRole("link", { name: first })).toBeVisible();
  await expect(page.getByRole("link", { name: second })).toBeVisible();
  await expect(page.getByRole("link", { name: other })).toHaveCount(0);

  await page.getByRole("columnheader", { name: "Subject" }).getByRole("link").click();
  await expect(page.getByRole("columnheader", { name: "Subject" })).toHaveAttribute("aria-sort", "ascending");
  const rows = page.locator("table.queue tbody tr");
  await expect(rows.first()).toContainText("Paper jam");

  const firstRow = rows.filter({ hasText: first });
  const secondRow = rows.filter({ hasText: second });
  await firstRow.getByRole("checkbox").check();
  await secondRow.getByRole("checkbox").check();
  await page.getByLabel("With the selected tickets").selectOption({ label: "Assign to me" });
  await page.getByRole("button", { name: "Apply" }).click();

  // They are no longer unassigned; without the filter they show Tom as the assignee.
  await expect(page.getByRole("link", { name: first })).toHaveCount(0);
  await open(page, info, `/tickets?assignee=me&q=${encodeURIComponent(info.project.name)}`);
  await expect(page.locator("table.queue tbody tr").filter({ hasText: first })).toContainText("Tom Technician");
  await expect(page.locator("table.queue tbody tr").filter({ hasText: second })).toContainText("Tom Technician");
});

test("a technician saves a view and sees its count among the views", async ({ page }, info) => {
  const subject = unique("Projector", info);
  await fileRequest(info, subject, "high");
  await signIn(page, info, TECH);
  await open(page, info, `/tickets?priority=high&q=${encodeURIComponent(subject)}`);
  await expect(page.getByRole("link", { name: subject })).toBeVisible();

  const name = unique("High projector", info);
  await page.getByText("Save these filters as a view").click();
  await page.getByLabel("View name").fill(name);
  await page.getByRole("button", { name: "Save view" }).click();

  const views = page.getByRole("navigation", { name: "Views" });
  await expect(views.getByRole("link", { name: `${name}, 1 ticket`, exact: true })).toBeVisible();
  await expect(views.getByRole("link", { name: `${name}, 1 ticket`, exact: true })).toHaveAttribute("aria-current", "page");

  await page.getByRole("button", { name: `Delete view ${name}` }).click();
  await expect(views.getByRole("link", { name: new RegExp(name) })).toHaveCount(0);
});

test("a bad filter in the address shows what is wrong instead of a broken page", async ({ page }, info) => {
  await signIn(page, info, TECH);
  await open(page, info, "/tickets?status=lost");
  await expect(page.getByRole("alert")).toContainText("correct");
  await expect(page.getByLabel("Status")).toBeVisible();
});
