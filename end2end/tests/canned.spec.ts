// A technician keeps a canned reply and answers a ticket with it, placeholders filled in.
import { expect, test } from "@playwright/test";
import { ACME_REQUESTER, TECH, jsEnabled, open, signIn, unique } from "./support";

test("a technician answers with a canned reply that greets the requester by name", async ({ page, browser }, info) => {
  const subject = unique("Teams has no sound", info);
  const title = unique("Audio fix", info);

  // An employee files the request.
  const employee = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await employee.getByLabel("Subject").fill(subject);
  await employee.getByLabel("Description").fill("Nobody hears me in calls.");
  await employee.getByRole("button", { name: "Send request" }).click();
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);

  // The technician writes the canned reply once.
  await signIn(page, info, TECH);
  await open(page, info, "/canned-replies");
  const form = page.getByRole("region", { name: "New canned reply" });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Reply").fill("Hi {{requester_first_name}}, select the headset as the speaker in #{{ticket_number}}.");
  await form.getByRole("button", { name: "Add reply" }).click();
  await expect(page.getByRole("region", { name: title })).toBeVisible();

  // And uses it on the ticket.
  await open(page, info, "/tickets");
  await page.getByRole("link", { name: subject }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await page.getByLabel("Canned reply").selectOption({ label: title });
  if (!jsEnabled(info)) {
    await page.getByRole("button", { name: "Insert" }).click();
  }
  await expect(page.getByLabel("Your reply")).toHaveValue(/^Hi Rob, select the headset as the speaker in #\d+\.$/);
  await page.getByRole("button", { name: "Send reply to Rob" }).click();
  await expect(page.locator(".entry").filter({ hasText: "Hi Rob, select the headset" })).toBeVisible();
});
