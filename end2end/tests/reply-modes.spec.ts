// A technician's reply box is either a reply to the requester or an internal note, and says
// which on its button; a note written in note mode never reaches the requester, who has no
// such switch.
import { expect, test } from "@playwright/test";
import { ACME_REQUESTER, TECH, fileRequest, open, signIn, unique } from "./support";

test("the reply box says whether it answers the requester or adds an internal note", async ({ page, browser }, info) => {
  const subject = unique("Label printer smudges", info);
  const id = await fileRequest(info, subject, "normal");
  const note = `Spare drum in the cupboard ${Date.now()}`;
  const reply = `Which model is it? ${Date.now()}`;
  const tech = page;

  // A reply to the requester unless the technician switches.
  await signIn(tech, info, TECH);
  await open(tech, info, `/tickets/${id}`);
  await expect(tech.getByLabel("Reply to Rob")).toBeChecked();
  await expect(tech.getByRole("button", { name: "Send reply to Rob" })).toBeVisible();
  await expect(tech.getByText("Only staff see this.")).toBeHidden();

  await tech.getByLabel("Internal note").check();
  await expect(tech.getByRole("button", { name: "Add internal note" })).toBeVisible();
  await expect(tech.getByRole("button", { name: "Send reply to Rob" })).toHaveCount(0);
  await expect(tech.getByText("Only staff see this.")).toBeVisible();
  await tech.getByRole("textbox", { name: "Your note" }).fill(note);
  await tech.getByRole("button", { name: "Add internal note" }).click();
  await expect(tech.locator(".entry.note").filter({ hasText: note })).toBeVisible();

  // After a note, the box is a reply again, and says so.
  await expect(tech.getByLabel("Reply to Rob")).toBeChecked();
  await expect(tech.getByRole("textbox", { name: "Your reply" })).toHaveValue("");
  await tech.getByRole("textbox", { name: "Your reply" }).fill(reply);
  await tech.getByRole("button", { name: "Send reply to Rob" }).click();
  await expect(tech.locator(".entry.comment").filter({ hasText: reply })).toBeVisible();

  // The requester reads the reply, never the note, and has one kind of message to send.
  const employee = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, `/tickets/${id}`);
  await expect(employee.getByText(reply)).toBeVisible();
  await expect(employee.getByText(note)).toHaveCount(0);
  await expect(employee.getByLabel("Internal note")).toHaveCount(0);
  await expect(employee.getByRole("radio")).toHaveCount(0);
  await expect(employee.getByRole("button", { name: "Send", exact: true })).toBeVisible();
});
