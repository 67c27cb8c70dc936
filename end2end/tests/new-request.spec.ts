// New request, with JavaScript and without: "Send request" (which sits after the suggestions,
// outside the form's card) files what the form holds, and the description box is as wide as
// its card on a desktop and on a phone.
import { expect, test, type Page } from "@playwright/test";
import { ACME_REQUESTER, open, signIn, unique } from "./support";

/** The description box's width and the width inside its card's padding. */
async function widths(page: Page) {
  const description = await page.getByLabel("Description").boundingBox();
  const inner = await page.locator("form.request-form").evaluate((card) => {
    const style = getComputedStyle(card);
    return card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  });
  return { description: description!.width, inner };
}

for (const [device, width] of [
  ["a desktop", 1280],
  ["a phone", 390],
] as const) {
  test(`the description box is as wide as its card on ${device}`, async ({ page }, info) => {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, info, ACME_REQUESTER);
    await open(page, info, "/tickets/new");
    const { description, inner } = await widths(page);
    expect(inner).toBeGreaterThan(width === 1280 ? 500 : 250);
    expect(Math.abs(description - inner)).toBeLessThanOrEqual(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  });
}

test("Send request files the subject, description and urgency the form holds", async ({ page }, info) => {
  const subject = unique("Scanner jams", info);
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("Description").fill("Every second page jams in the scanner.");
  await page.getByLabel("Urgency").selectOption({ label: "High" });
  await page.getByRole("button", { name: "Send request" }).click();

  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(page.getByText("Every second page jams in the scanner.")).toBeVisible();
  await expect(page.locator(".ticket-head")).toContainText("High priority");
});

test("a refused request comes back with its problem and everything typed, however long", async ({ page }, info) => {
  // Longer than an address can carry: without JavaScript the form comes back from the post itself.
  const description = "The screen goes dark and comes back. ".repeat(120).trim();
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").fill("   ");
  await page.getByLabel("Description").fill(description);
  await page.getByLabel("Urgency").selectOption({ label: "High" });
  await page.getByRole("button", { name: "Send request" }).click();

  await expect(page.getByText("Say in a few words what is wrong.").first()).toBeVisible();
  await expect(page).toHaveURL(/\/tickets\/new$/);
  await expect(page.getByLabel("Description")).toHaveValue(description);
  await expect(page.getByLabel("Urgency")).toHaveValue("high");
});
