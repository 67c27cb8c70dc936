// Layout as people see it (issue #22): nothing scrolls sideways on a 390 px phone, where a
// table's rows become cards with their status first and their buttons in reach, inside the
// table's own box (the access log and the by-technician report too); on a 1280 px
// screen the header is one row, each canned reply's Delete sits in its card and the time on a
// ticket fits its sidebar card. With JavaScript on and off.
import { expect, request, test, type Locator, type Page, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, ADMIN, PASSWORD, TECH, fileRequest, open, signIn, unique } from "./support";

const PHONE = { width: 390, height: 844 };

/** The page as a whole is no wider than the phone: nothing scrolls sideways. */
async function expectNoSidewaysScroll(page: Page, path: string) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${path} is ${width}px wide`).toBeLessThanOrEqual(PHONE.width);
}

/** `what` is shown, and entirely between the screen's left and right edges. */
async function expectOnScreen(what: Locator) {
  await expect(what).toBeVisible();
  const box = await what.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
}

/** `inner` lies within `outer`'s box. */
async function expectInside(inner: Locator, outer: Locator) {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(a!.x).toBeGreaterThanOrEqual(b!.x);
  expect(a!.y).toBeGreaterThanOrEqual(b!.y);
  expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x + b!.width + 0.5);
  expect(a!.y + a!.height).toBeLessThanOrEqual(b!.y + b!.height + 0.5);
}

/** A row's status shows first, above what the row is about. */
async function expectStatusFirst(status: Locator, name: Locator) {
  await expectOnScreen(status);
  const [s, n] = [await status.boundingBox(), await name.boundingBox()];
  expect(s!.y).toBeLessThan(n!.y);
}

/**
 * A table fits its own box on the phone: on screen, nothing in its rows reaching past its
 * edges, and no scrolling inside it either (a row a card, not a strip to swipe through).
 */
async function expectTableFits(table: Locator) {
  await expectOnScreen(table);
  const spill = await table.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const outside = [...el.querySelectorAll("tbody *")]
      .filter((cell) => {
        const b = cell.getBoundingClientRect();
        return b.width > 0 && (b.left < box.left - 0.5 || b.right > box.right + 0.5);
      })
      .map((cell) => `${cell.tagName.toLowerCase()} "${(cell.textContent ?? "").trim().slice(0, 40)}"`);
    return { scrollsBy: el.scrollWidth - el.clientWidth, outside };
  });
  expect(spill, "the table's rows stay inside it").toEqual({ scrollsBy: 0, outside: [] });
}

/** A person signed in through the REST API, for arranging what a page will show. */
async function api(info: TestInfo, email: string) {
  const context = await request.newContext({ baseURL: info.project.use.baseURL });
  expect((await context.post("/api/v1/auth/login", { data: { email, password: PASSWORD } })).ok()).toBeTruthy();
  return context;
}

test.describe("on a 390 px phone", () => {
  test.use({ viewport: PHONE });

  test("an admin's pages fit, each person's status and button in view", async ({ page }, info) => {
    await signIn(page, info, ADMIN);
    for (const path of ["/admin", "/tickets", "/reports", "/wiki", "/canned-replies", "/access"]) {
      await open(page, info, path);
      await expectNoSidewaysScroll(page, path);
    }

    await open(page, info, "/admin");
    const rob = page.getByRole("row").filter({ hasText: ACME_REQUESTER });
    await expectStatusFirst(rob.getByRole("cell", { name: "Status: Active" }), rob.getByRole("cell", { name: "Name: Rob" }));
    await expectOnScreen(rob.getByRole("button", { name: "Deactivate Rob" }));
    await expectOnScreen(rob.getByRole("cell", { name: `Email: ${ACME_REQUESTER}` }));
    const acme = page.getByRole("row").filter({ hasText: "Acme Dental" });
    await expectOnScreen(acme.getByRole("cell", { name: "Files:" }));

    // An organization's settings, its SLA targets' boxes included.
    await acme.getByRole("link", { name: "Acme Dental" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Acme Dental");
    await expectNoSidewaysScroll(page, "an organization's settings");
    await expectOnScreen(page.getByLabel("Low resolution (hours)"));
  });

  test("a manager's people fit, each requester's status and button in view", async ({ page }, info) => {
    await signIn(page, info, ACME_MANAGER);
    for (const path of ["/people", "/settings", "/tickets", "/tickets/new", "/reports", "/wiki", "/access"]) {
      await open(page, info, path);
      await expectNoSidewaysScroll(page, path);
    }
    await open(page, info, "/people");
    const rob = page.getByRole("row").filter({ hasText: ACME_REQUESTER });
    await expectStatusFirst(rob.getByRole("cell", { name: "Status: Active" }), rob.getByRole("cell", { name: "Name: Rob" }));
    await expectOnScreen(rob.getByRole("button", { name: "Deactivate Rob" }));
  });

  test("a technician's queue and ticket fit, with the ticket's status and time in view", async ({ page }, info) => {
    const subject = unique("The label printer prints half a label", info);
    const id = await fileRequest(info, subject, "high");
    const tech = await api(info, TECH);
    const note = "Replaced the roll and recalibrated the sensor of the printer at the front desk";
    expect((await tech.post(`/api/v1/tickets/${id}/time`, { data: { minutes: 25, note } })).status()).toBe(201);
    expect((await tech.post(`/api/v1/tickets/${id}/comments`, { data: { body: "Checking the roll.", internal: true } })).ok()).toBeTruthy();
    await tech.dispose();

    await signIn(page, info, TECH);
    await open(page, info, "/tickets");
    await expectNoSidewaysScroll(page, "the queue");
    const row = page.getByRole("row").filter({ hasText: subject });
    await expectStatusFirst(row.getByRole("cell", { name: "Status: New" }), row.getByRole("link", { name: subject }));
    await expectOnScreen(row.getByRole("checkbox", { name: `Select ticket ${id}` }));
    await expectOnScreen(page.getByRole("link", { name: "Priority" }));

    await open(page, info, `/tickets/${id}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
    await expectNoSidewaysScroll(page, "the ticket's page");
    await expectOnScreen(page.getByRole("cell", { name: note }));
    await expectOnScreen(page.getByRole("button", { name: "Delete 25 min on" }));
  });

  test("the access log and the by-technician report fit their boxes, a row a card", async ({ page }, info) => {
    const subject = unique("The docking station drops the second screen of the reception desk", info);
    const id = await fileRequest(info, subject, "normal");
    const tech = await api(info, TECH);
    // Tom opens the ticket: an entry in Acme's access log.
    expect((await tech.get(`/api/v1/tickets/${id}`)).ok()).toBeTruthy();
    await tech.dispose();

    await signIn(page, info, ACME_MANAGER);
    await open(page, info, "/access");
    await expectNoSidewaysScroll(page, "/access");
    const log = page.getByRole("table", { name: "Access log entries" });
    await expectTableFits(log);
    const entry = log.getByRole("row").filter({ hasText: subject });
    await expectOnScreen(entry.getByRole("link", { name: new RegExp(subject) }));
    await expectOnScreen(entry.getByRole("cell", { name: "Who: Tom Technician" }));

    await page.context().clearCookies();
    await signIn(page, info, ADMIN);
    await open(page, info, "/reports");
    await expectNoSidewaysScroll(page, "/reports");
    const load = page.getByRole("table", { name: "By technician" });
    await expectTableFits(load);
    const tom = load.getByRole("row").filter({ hasText: "Tom Technician" });
    await expectOnScreen(tom.getByRole("rowheader", { name: "Tom Technician" }));
    await expectOnScreen(tom.getByRole("cell", { name: /^Time logged: / }));
  });

  test("an employee's pages fit", async ({ page }, info) => {
    await signIn(page, info, ACME_REQUESTER);
    for (const path of ["/", "/tickets", "/tickets/new", "/wiki", "/profile"]) {
      await open(page, info, path);
      await expectNoSidewaysScroll(page, path);
    }
  });
});

test("the header is one row at 1280 px, for the role with the most to show", async ({ page }, info) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const email of [ADMIN, ACME_MANAGER]) {
    await signIn(page, info, email);
    await open(page, info, "/wiki");
    const header = page.getByRole("banner");
    const brand = header.getByRole("link", { name: "Deskside" });
    const signOut = header.getByRole("button", { name: "Sign out" });
    const [top, end] = [await brand.boundingBox(), await signOut.boundingBox()];
    // The brand and the last item share one line: their middles are level.
    expect(Math.abs(top!.y + top!.height / 2 - (end!.y + end!.height / 2))).toBeLessThan(8);
    expect((await header.boundingBox())!.height).toBeLessThan(72);
    await signOut.click();
    await expect(page).toHaveURL(/\/login/);
  }
});

test("enabling desktop notifications is a quiet item of the account menu, offered only with JavaScript", async ({ page }, info) => {
  await signIn(page, info, TECH);
  await open(page, info, "/wiki");
  const enable = page.getByRole("button", { name: "Enable desktop notifications" });
  // Never a button of its own in the header.
  await expect(enable).toBeHidden();
  const menu = page.getByRole("banner").locator("details.account-menu");
  await menu.getByText("Tom Technician").click();
  await expect(menu.getByRole("link", { name: "Profile and security" })).toBeVisible();
  if (info.project.use.javaScriptEnabled) {
    await expect(menu.getByRole("button", { name: "Enable desktop notifications" })).toBeVisible();
  } else {
    // It needs the browser's script to ask; without it there is nothing to press.
    await expect(enable).toHaveCount(0);
  }
  await menu.getByRole("link", { name: "Profile and security" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  // The page it leads to has the menu closed (with JavaScript, the same document).
  await expect(menu.getByRole("link", { name: "Profile and security" })).toBeHidden();
});

test("a canned reply's Delete button sits inside its card", async ({ page }, info) => {
  const title = unique("Restart the router", info);
  const tech = await api(info, TECH);
  expect((await tech.post("/api/v1/canned-replies", { data: { title, body: "Unplug it for ten seconds." } })).ok()).toBeTruthy();
  await tech.dispose();

  await signIn(page, info, TECH);
  await open(page, info, "/canned-replies");
  const card = page.getByRole("region", { name: title });
  const remove = card.getByRole("button", { name: `Delete "${title}"` });
  await expect(remove).toBeVisible();
  await expectInside(remove, card);
  await expectInside(card.getByRole("button", { name: "Save" }), card);
});

test("the time logged on a ticket fits its sidebar card", async ({ page }, info) => {
  const subject = unique("Scanner sends blank pages", info);
  const id = await fileRequest(info, subject, "normal");
  const tech = await api(info, TECH);
  const note = "Cleaned the glass, updated the driver and re-registered the scan-to-email profile";
  expect((await tech.post(`/api/v1/tickets/${id}/time`, { data: { minutes: 95, note, billable: false } })).status()).toBe(201);
  await tech.dispose();

  await signIn(page, info, TECH);
  await open(page, info, `/tickets/${id}`);
  const card = page.getByRole("region", { name: "Time" });
  const table = card.getByRole("table", { name: "Time logged on this ticket" });
  await expect(table).toBeVisible();
  await expectInside(table, card);
  await expectInside(card.getByRole("cell", { name: note }), card);
  await expectInside(card.getByRole("button", { name: /^Delete 1 h 35 min on/ }), card);
  await expectInside(card.getByText("1 h 35 min (not billable)"), card);
});
