// The queue's keyboard with JavaScript: `a` claims the ticket under the cursor and the cursor
// stays on it, even when the claim moves it.
import { expect, test } from "@playwright/test";
import { TECH, fileRequest, open, signIn, unique } from "./support";

test("after a, the cursor stays on the claimed ticket although it moves", async ({ page }, info) => {
  const tag = unique("Cursor", info);
  await fileRequest(info, `${tag} oldest`, "normal");
  await fileRequest(info, `${tag} middle`, "normal");
  await fileRequest(info, `${tag} newest`, "normal");
  await signIn(page, info, TECH);
  // Latest activity first: the claim makes the middle one the latest, so it moves to the top.
  await open(page, info, `/tickets?sort=updated&q=${encodeURIComponent(tag)}`);
  const rows = page.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1)).toContainText("middle");

  await page.keyboard.press("j");
  await expect(rows.nth(1)).toHaveClass(/current/);
  await page.keyboard.press("a");

  await expect(rows.nth(0)).toContainText("middle");
  await expect(rows.nth(0)).toContainText("Tom Technician");
  await expect(rows.nth(0)).toHaveClass(/current/);
  await expect(page.locator("table.queue tbody tr.current")).toHaveCount(1);
  // And the next key moves on from there.
  await page.keyboard.press("j");
  await expect(rows.nth(1)).toHaveClass(/current/);
  await expect(rows.nth(1)).toContainText("newest");
});
