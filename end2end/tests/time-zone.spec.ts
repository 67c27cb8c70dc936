// Times in the viewer's own time zone, relative where that reads better (issue #17): the zone
// chosen on the account page, else the browser's own (with JavaScript), else UTC, named as such.
// The exact local time is on hover (`title`) and read by screen readers.
import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { ACME_REQUESTER, fileRequest, jsEnabled, open, signIn, unique } from "./support";

/** `iso` as the clocks in `zone` read it: "2026-12-07 13:20". */
function local(iso: string, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** A browser of its own in `timezoneId`, signed in as the Acme employee. */
async function browserIn(browser: Browser, info: TestInfo, timezoneId: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
    timezoneId,
  });
  const page = await context.newPage();
  await signIn(page, info, ACME_REQUESTER);
  return page;
}

/** Errors the page logs (a hydration mismatch would be one), but not a refused form's 422. */
function watchErrors(page: Page, errors: string[]) {
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
}

/** The ticket's "opened" time. */
function opened(page: Page) {
  return page.locator(".ticket-head time").first();
}

async function expectIn(page: Page, zone: string, label = zone) {
  const time = opened(page);
  const at = await time.getAttribute("datetime");
  expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const exact = `${local(at!, zone)} ${label}`;
  await expect(time).toHaveAttribute("title", exact);
  // Read out after the relative text; hidden from sight.
  await expect(time.locator(".visually-hidden")).toHaveText(`(${exact})`);
  await expect(time).toContainText(/^(just now|\d+ min ago)/);
}

test("a zone chosen on the account page shows on a ticket, over the browser's own", async ({ browser }, info) => {
  const page = await browserIn(browser, info, "Asia/Tokyo");
  const errors: string[] = [];
  watchErrors(page, errors);
  const id = await fileRequest(info, unique("Clock on the wall is wrong", info), "low");

  await open(page, info, "/profile");
  const field = page.getByLabel("Time zone on this browser");
  await expect(field).toHaveValue("");
  await field.fill("America/New_York");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByText("Times show in America/New_York, chosen here.")).toBeVisible();

  await open(page, info, `/tickets/${id}`);
  await expectIn(page, "America/New_York");
  await open(page, info, "/profile");
  await expect(page.getByLabel("Time zone on this browser")).toHaveValue("America/New_York");

  // A zone that does not exist is refused next to the field.
  await page.getByLabel("Time zone on this browser").fill("Mars/Olympus_Mons");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.locator("#time-zone-error")).toContainText("Unknown time zone.");

  // Empty: back to the browser's zone (with JavaScript), or UTC until it is known.
  await open(page, info, "/profile");
  await page.getByLabel("Time zone on this browser").fill("");
  await page.getByRole("button", { name: "Save time zone" }).click();
  if (jsEnabled(info)) {
    await expect(page.getByText("Time zone saved.")).toBeVisible();
  } else {
    await expect(page.getByText("Times show in UTC until this browser tells its zone.")).toBeVisible();
  }
  await open(page, info, `/tickets/${id}`);
  if (jsEnabled(info)) {
    await expectIn(page, "Asia/Tokyo");
  } else {
    await expectIn(page, "UTC");
  }
  expect(errors).toEqual([]);
  await page.context().close();
});

test("without a choice the browser's own zone is used, and UTC until it is known", async ({ browser }, info) => {
  const page = await browserIn(browser, info, "Australia/Adelaide");
  const errors: string[] = [];
  watchErrors(page, errors);
  const id = await fileRequest(info, unique("Meeting invite shows the wrong hour", info), "low");

  await open(page, info, `/tickets/${id}`);
  if (jsEnabled(info)) {
    // The hydrated page switches to the browser's zone, and remembers it for the server:
    // the next page arrives in it already, before any WebAssembly runs.
    await expectIn(page, "Australia/Adelaide");
    const html = await (await page.request.get(`/tickets/${id}`, { headers: { accept: "text/html" } })).text();
    expect(html).toContain('data-time-zone="Australia/Adelaide"');
  } else {
    await expectIn(page, "UTC");
  }
  expect(errors).toEqual([]);
  await page.context().close();
});
