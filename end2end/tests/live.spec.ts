// Live updates: what one person changes shows up in another's open page without a reload.
// JavaScript only (the no-js project ignores this file): without it there is no live stream,
// and the pages are proven by a reload in the other specs.
import { expect, test } from "@playwright/test";
import { ACME_REQUESTER, TECH, closePeople, open, person, unique } from "./support";

const OTHER_TECH = "tia@provider.example";

test.afterEach(closePeople);

test("a technician's reply and status change appear on the employee's open ticket page", async ({ browser }, info) => {
  const subject = unique("Wi-Fi keeps dropping", info);
  const employee = await person(browser, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await employee.getByLabel("Subject").fill(subject);
  await employee.getByLabel("Description").fill("Every ten minutes.");
  await employee.getByRole("button", { name: "Send request" }).click();
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);
  const ticketPath = employee.url().replace(/^https?:\/\/[^/]+/, "");
  await expect(employee.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  const tech = await person(browser, info, TECH);
  await open(tech, info, ticketPath);
  await tech.getByLabel("Your reply").fill("Which floor are you on?");
  await tech.getByRole("button", { name: "Send" }).click();

  // No reload on the employee's side.
  await expect(employee.getByText("Which floor are you on?")).toBeVisible();
  await expect(employee.locator(".ticket-head .badge")).toHaveText("Open");
});

test("a new ticket appears in a technician's open list and is announced", async ({ browser }, info) => {
  const subject = unique("Laptop will not boot", info);
  const tech = await person(browser, info, TECH);
  await open(tech, info, "/tickets");
  await expect(tech.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  const employee = await person(browser, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await employee.getByLabel("Subject").fill(subject);
  await employee.getByLabel("Description").fill("Black screen.");
  await employee.getByRole("button", { name: "Send request" }).click();
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);

  await expect(tech.getByRole("link", { name: subject })).toBeVisible();
  await expect(tech.locator(".toast").filter({ hasText: subject })).toBeVisible();
});

test("a reply being written is kept, with a warning, when someone else changes the ticket", async ({ browser }, info) => {
  const subject = unique("Shared drive missing", info);
  const employee = await person(browser, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await employee.getByLabel("Subject").fill(subject);
  await employee.getByLabel("Description").fill("Drive S: is gone.");
  await employee.getByRole("button", { name: "Send request" }).click();
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);
  const ticketPath = employee.url().replace(/^https?:\/\/[^/]+/, "");

  const tom = await person(browser, info, TECH);
  await open(tom, info, ticketPath);
  await expect(tom.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await tom.getByLabel("Your reply").fill("I am checking the mapping");

  await employee.getByLabel("Your reply").fill("It was there yesterday.");
  await employee.getByRole("button", { name: "Send" }).click();
  await expect(employee.getByText("It was there yesterday.")).toBeVisible();

  await expect(tom.getByText("It was there yesterday.")).toBeVisible();
  await expect(tom.getByLabel("Your reply")).toHaveValue("I am checking the mapping");
  await expect(tom.getByText("Someone else changed this ticket while you were writing")).toBeVisible();
});

test("two technicians on one ticket see each other, and one sees the other typing", async ({ browser }, info) => {
  const subject = unique("Phones ring twice", info);
  const employee = await person(browser, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await employee.getByLabel("Subject").fill(subject);
  await employee.getByLabel("Description").fill("Then they go silent.");
  await employee.getByRole("button", { name: "Send request" }).click();
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);
  const ticketPath = employee.url().replace(/^https?:\/\/[^/]+/, "");

  const tom = await person(browser, info, TECH);
  await open(tom, info, ticketPath);
  await expect(tom.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  const tia = await person(browser, info, OTHER_TECH);
  await open(tia, info, ticketPath);

  const tomSees = tom.getByRole("status").filter({ hasText: "Also here" });
  const tiaSees = tia.getByRole("status").filter({ hasText: "Also here" });
  await expect(tomSees).toContainText("Tia Technician");
  await expect(tiaSees).toContainText("Tom Technician");
  await expect(tomSees).not.toContainText("typing");

  await tia.getByLabel("Your reply").pressSequentially("Checking the PBX");
  await expect(tomSees).toContainText("Tia Technician (typing…)");
  // Nobody sees themselves.
  await expect(tiaSees).not.toContainText("Tia Technician");
});
