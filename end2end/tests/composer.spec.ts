// A canned reply goes into the reply box without losing a word of what was typed: at the cursor,
// in place, with JavaScript; added to the end of the text, by the form's post, without it.
import { expect, test } from "@playwright/test";
import { TECH, fileRequest, jsEnabled, open, signIn, unique } from "./support";

const CANNED = /Hi Rob,\n\nI have reset your password\.[^]*Tom, re: #\d+/;

test("a canned reply is inserted into the reply box, keeping what was typed", async ({ page }, info) => {
  const id = await fileRequest(info, unique("Locked out of email", info), "normal");
  await signIn(page, info, TECH);
  await open(page, info, `/tickets/${id}`);
  const box = page.getByRole("textbox", { name: "Your reply" });

  if (jsEnabled(info)) {
    // The cursor sits between the greeting and the sign-off.
    await box.fill("Hello Rob,\n\nThanks, Tom");
    await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(12, 12));
    await page.getByLabel("Canned reply").selectOption({ label: "Password reset" });

    await expect(box).toHaveValue(/^Hello Rob,\n\nHi Rob,\n\nI have reset your password[^]*re: #\d+\n\nThanks, Tom$/);
    // No page change, and the cursor waits right after the inserted text.
    await expect(page).toHaveURL(new RegExp(`/tickets/${id}$`));
    await expect(box).toBeFocused();
    await page.keyboard.type(" [typed on]");
    await expect(box).toHaveValue(/re: #\d+ \[typed on\]\n\nThanks, Tom$/);
    // The picker is ready for the next one; there is no button to press.
    await expect(page.getByLabel("Canned reply")).toHaveValue("");
    await expect(page.getByRole("button", { name: "Insert" })).toBeHidden();
  } else {
    await page.getByLabel("Internal note").check();
    await page.getByRole("textbox", { name: "Your note" }).fill("Checked the logs.");
    await page.getByLabel("Canned reply").selectOption({ label: "Password reset" });
    await page.getByRole("button", { name: "Insert" }).click();

    // The page comes back with the reply after the text, in the same mode; the text went in
    // the post, not the address (which logs and the history keep).
    await expect(page).toHaveURL(new RegExp(`/tickets/${id}$`));
    expect(page.url()).not.toContain("Checked");
    await expect(page.getByLabel("Internal note")).toBeChecked();
    const note = page.getByRole("textbox", { name: "Your note" });
    await expect(note).toHaveValue(/^Checked the logs\.\n\nHi Rob,/);
    await expect(note).toHaveValue(CANNED);
  }

  // Sent, the text is on the ticket and the box is empty again.
  await page.getByLabel("Reply to Rob").check();
  await page.getByRole("button", { name: "Send reply to Rob" }).click();
  await expect(page.locator(".entry").filter({ hasText: "I have reset your password" })).toBeVisible();
  await expect(box).toHaveValue("");
});
