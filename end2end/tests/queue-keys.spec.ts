// The queue's keyboard: `a` claims the ticket under the cursor and the cursor stays on it, even
// when the claim moves it; the key hints show only where the keys work (JavaScript, a desktop).
import { expect, test } from "@playwright/test";
import { TECH, fileRequest, jsEnabled, open, signIn, unique } from "./support";


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
