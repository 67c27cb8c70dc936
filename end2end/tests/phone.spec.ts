// A phone (issue #17): at 360 px the header is one short row whose Menu holds the links and the
// account's items, every one a 44 px touch target, and no main page of any role scrolls
// sideways. The menu is a disclosure, so all of it works with JavaScript on and off.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, ADMIN, TECH, fileRequest, open, signIn, unique } from "./support";

const PHONE = { width: 360, height: 780 };
test.use({ viewport: PHONE });

/** The pages each role works with; the ticket's number comes from the test. */
function pagesOf(role: string, ticket: number): string[] {
  const wiki = ["/wiki", "/wiki?q=printer", "/wiki/printer-offline", "/profile"];
  switch (role) {
    case "requester":
      return ["/", "/tickets", "/tickets/new", `/tickets/${ticket}`, ...wiki, "/profile/two-factor"];
    case "manager":
      return ["/", "/tickets", "/tickets/new", `/tickets/${ticket}`, "/reports", "/people", "/settings", "/access", ...wiki];
    case "technician":
      return ["/", "/tickets", `/tickets/${ticket}`, "/reports", "/canned-replies", "/wiki/new", "/wiki/printer-offline/edit", "/wiki/printer-offline/revisions", ...wiki];
    default:
      return ["/", "/tickets", `/tickets/${ticket}`, "/reports", "/canned-replies", "/admin", "/admin/mail", "/access", ...wiki];
  }
}

const PEOPLE: [string, string, string[]][] = [
  ["requester", ACME_REQUESTER, ["Home", "My tickets", "New request", "Wiki"]],
  ["manager", ACME_MANAGER, ["Home", "Tickets", "New request", "Wiki", "Reports", "People", "Settings", "Access log"]],
  ["technician", TECH, ["Home", "Queue", "Wiki", "Reports", "Canned replies"]],
  ["admin", ADMIN, ["Home", "Queue", "Wiki", "Reports", "Canned replies", "Access log", "Admin"]],
];

/**
 * Every button, field and disclosure `page` shows in its content is at least 44 px tall; a
 * checkbox or radio button is, or one of its labels (a touch on the label ticks it) is.
 */
async function expectTouchTargets(page: Page, path: string) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll("main button, main select, main summary, main input:not([type=hidden])")]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        // Visually hidden controls (1 px, for screen readers) are not targets.
        if (box.width <= 1 || box.height <= 1) return false;
        const labels = el instanceof HTMLInputElement && ["checkbox", "radio"].includes(el.type) ? [...(el.labels ?? [])] : [];
        const tallest = Math.max(box.height, ...labels.map((label) => label.getBoundingClientRect().height));
        return tallest < 43.5;
      })
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || el.getAttribute("name") || "").trim().slice(0, 30)}" ${Math.round(el.getBoundingClientRect().height)}px`),
  );
  expect(small, `targets under 44 px on ${path}`).toEqual([]);
}

for (const [role, email, links] of PEOPLE) {
  test(`a ${role}'s header is one short row with a Menu of 44 px items`, async ({ page }, info) => {
    await signIn(page, info, email);
    await open(page, info, "/wiki");
    const header = page.getByRole("banner");
    expect((await header.boundingBox())!.height).toBeLessThanOrEqual(120);
    // The row of links, the search and the account menu of a wide screen are not shown.
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await expect(page.getByRole("searchbox", { name: "Search the wiki" }).first()).toBeHidden();

    const menu = header.locator("details.phone-menu");
    const summary = menu.locator("summary");
    await expect(summary).toHaveText("Menu");
    expect((await summary.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await summary.click();
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav).toBeVisible();
    await expect(nav.getByRole("link")).toHaveText(links);
    // One link a row, as a list to run a thumb down.
    const lefts = await nav.getByRole("link").evaluateAll((all) => all.map((a) => Math.round(a.getBoundingClientRect().left)));
    expect(new Set(lefts).size, `links start at ${lefts}`).toBe(1);
    for (const item of [...(await nav.getByRole("link").all()), menu.getByRole("link", { name: "Profile and security" }), menu.getByRole("button", { name: "Sign out" })]) {
      const box = (await item.boundingBox())!;
      expect(box.height, `${await item.textContent()}`).toBeGreaterThanOrEqual(44);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    // A link leads on, and the page it leads to has the menu closed.
    await nav.getByRole("link", { name: "Home" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();

    // Sign out from the menu.
    await header.locator("details.phone-menu summary").click();
    await menu.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
  });

  test(`no page a ${role} uses scrolls sideways at 360 px, and its buttons and fields are 44 px`, async ({ page }, info) => {
    test.setTimeout(120_000);
    const ticket = await fileRequest(info, unique("The dock's screen stays black", info), "normal");
    await signIn(page, info, email);
    // The account page at its widest: a token in its table (whose column names are there
    // for screen readers only, and once made the page 678 px wide).
    const token = await page.request.post("/api/v1/tokens", { data: { name: unique("nightly report export", info) } });
    expect(token.status()).toBe(201);
    for (const path of pagesOf(role, ticket)) {
      await test.step(path, async () => {
        await open(page, info, path);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${path} is ${width}px wide`).toBeLessThanOrEqual(PHONE.width);
        await expectTouchTargets(page, path);
      });
    }
  });
}

test("on a wide screen the row of links shows and the Menu does not", async ({ page }, info: TestInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, info, ACME_MANAGER);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByRole("banner").locator("details.phone-menu")).toBeHidden();
});
