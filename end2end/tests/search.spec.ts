// The header search and the suggestions on New request match alike (spelling variants of one
// word, any word when not all are there), show plain text, stay within what the person may
// read, and a search that finds nothing offers to ask IT with the words carried over.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { ACME_REQUESTER, TECH, jsEnabled, open, signIn } from "./support";

/** Searches from the header, as from any page. */
async function headerSearch(page: Page, info: TestInfo, q: string) {
  await open(page, info, "/");
  const box = page.getByRole("searchbox", { name: "Search the wiki" });
  await box.fill(q);
  await box.press("Enter");
  await expect(page).toHaveURL(/\/wiki\?q=/);
  return page.getByRole("region", { name: "Search results" });
}

test("wifi, Wi-Fi and wi fi all find the Wi-Fi article, in search and in suggestions", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  for (const q of ["wifi keeps dropping", "Wi-Fi", "wi fi", "wifi"]) {
    const results = await headerSearch(page, info, q);
    await expect(results.getByRole("link", { name: "Connect to the office Wi-Fi" }), q).toBeVisible();
    await expect(results.getByRole("link", { name: "Ask IT" })).toHaveCount(0);
  }

  if (jsEnabled(info)) {
    await open(page, info, "/tickets/new");
    await page.getByLabel("Subject").pressSequentially("wifi keeps dropping");
    const suggestions = page.getByRole("complementary", { name: "Might one of these help?" });
    await expect(suggestions.getByRole("link", { name: /Connect to the office Wi-Fi/ })).toBeVisible();
  }
});

test("a snippet reads as text, without markdown", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  const results = await headerSearch(page, info, "printer offline");
  const hit = results.getByRole("listitem").filter({ hasText: "Printer shows offline" });
  await expect(hit.locator(".snippet mark").first()).toBeVisible();
  const snippet = (await hit.locator(".snippet").textContent()) ?? "";
  expect(snippet).toContain("offline");
  expect(snippet).not.toContain("**");
});

test("a search that finds nothing offers Ask IT with the words as the subject", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  const results = await headerSearch(page, info, "outlook calendar");
  await expect(results.getByRole("heading", { name: "No article matches" })).toBeVisible();
  await results.getByRole("link", { name: "Ask IT" }).click();
  await expect(page).toHaveURL(/\/tickets\/new\?subject=outlook%20calendar/);
  await expect(page.getByLabel("Subject")).toHaveValue("outlook calendar");
});

test("an employee's search never shows internal or another organization's articles", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  for (const q of ["unblock m365", "month-end backup"]) {
    const results = await headerSearch(page, info, q);
    await expect(results.getByRole("heading", { name: "No article matches" }), q).toBeVisible();
    await expect(results.getByRole("link", { name: "Ask IT" })).toBeVisible();
  }
  // Staff find the runbook, and are not offered to file a request.
  await page.context().clearCookies();
  await signIn(page, info, TECH);
  const results = await headerSearch(page, info, "unblock m365");
  await expect(results.getByRole("link", { name: /Runbook: unlock/ })).toBeVisible();
  const none = await headerSearch(page, info, "outlook calendar");
  await expect(none.getByRole("heading", { name: "No article matches" })).toBeVisible();
  await expect(none.getByRole("link", { name: "Ask IT" })).toHaveCount(0);
});
