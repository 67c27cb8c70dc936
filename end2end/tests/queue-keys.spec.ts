// The queue's keyboard: `a` claims the ticket under the cursor and the cursor stays on it, even
// when the claim moves it; the key hints show only where the keys work (JavaScript, a desktop).
import { expect, test } from "@playwright/test";
import { TECH, fileRequest, jsEnabled, open, signIn, unique } from "./support";

test("after a, the cursor stays on the claimed ticket although it moves", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "the keys need JavaScript");
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

test("key hints show on a desktop with JavaScript, never without it", async ({ page }, info) => {
  await signIn(page, info, TECH);
  await open(page, info, "/tickets");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Queue");
  if (jsEnabled(info)) {
    await expect(page.getByText("assigns to me")).toBeVisible();
  } else {
    await expect(page.getByText("assigns to me")).toHaveCount(0);
  }
});

test("key hints stay hidden on a phone", async ({ browser }, info) => {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const phone = await context.newPage();
  await signIn(phone, info, TECH);
  await open(phone, info, "/tickets");
  await expect(phone.getByRole("heading", { level: 1 })).toHaveText("Queue");
  await expect(phone.getByText("assigns to me")).toBeHidden();
  await context.close();
});
