// axe-core on every main page, as each role the page is for, with JavaScript on and off: the
// server's HTML and the hydrated page alike have no WCAG 2.2 A/AA or best-practice violations,
// in the light and the dark colour scheme, on a desktop screen and a 390 px phone.
import AxeBuilder from "@axe-core/playwright";
import { expect, request, test, type Page, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, ADMIN, PASSWORD, TECH, jsEnabled, open } from "./support";

/** WCAG 2.2 A and AA, and axe's best practices (landmarks, heading order, one main). */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"];

/** One transparent pixel, so the ticket page shows an inline image. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==",
  "base64",
);

/** What a ticket page shows at its fullest: a reply, an internal note, a file. */
async function ticketWithEverything(info: TestInfo): Promise<number> {
  const baseURL = info.project.use.baseURL;
  const employee = await request.newContext({ baseURL });
  expect((await employee.post("/api/v1/auth/login", { data: { email: ACME_REQUESTER, password: PASSWORD } })).ok()).toBeTruthy();
  const filed = await employee.post("/api/v1/tickets", {
    data: {
      subject: `Accessibility check ${info.project.name}`,
      body: "The **monitor** flickers.\n\n- after lunch\n- [vendor page](https://example.com)",
      priority: "high",
      category: "Printing",
    },
  });
  expect(filed.status()).toBe(201);
  const id = (await filed.json()).id as number;
  const upload = await employee.post(`/api/v1/tickets/${id}/attachments`, {
    multipart: { file: { name: "flicker.png", mimeType: "image/png", buffer: PNG } },
  });
  expect(upload.ok()).toBeTruthy();
  await employee.dispose();

  const tech = await request.newContext({ baseURL });
  expect((await tech.post("/api/v1/auth/login", { data: { email: TECH, password: PASSWORD } })).ok()).toBeTruthy();
  // Opened by Tom: an entry in Acme's access log for its manager to read.
  expect((await tech.get(`/api/v1/tickets/${id}`)).ok()).toBeTruthy();
  for (const [body, internal] of [["Try another cable, please.", false], ["Probably the dock.", true]] as const) {
    const res = await tech.post(`/api/v1/tickets/${id}/comments`, { data: { body, internal } });
    expect(res.ok()).toBeTruthy();
  }
  await tech.dispose();
  return id;
}

/** Acme's id, for its settings page under Admin. */
async function acmeId(info: TestInfo): Promise<number> {
  const admin = await request.newContext({ baseURL: info.project.use.baseURL });
  expect((await admin.post("/api/v1/auth/login", { data: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const res = await admin.get("/api/v1/orgs");
  expect(res.ok()).toBeTruthy();
  const body = await res.json();
  const orgs = (Array.isArray(body) ? body : body.items) as { id: number; name: string }[];
  await admin.dispose();
  const acme = orgs.find((org) => org.name === "Acme Dental");
  expect(acme).toBeDefined();
  return acme!.id;
}

/**
 * Runs axe on what the page shows now and fails with one readable line per problem. With
 * JavaScript, in the light and the dark colour scheme. Without it, in the light one alone:
 * the same stylesheet colours both runs, so the no-JS pass checks what differs without
 * scripts (the server's fallbacks: names, labels, structure), and dark's contrast is the JS
 * pass's to prove. It was the longest part of `make test`.
 */
async function expectNoViolations(page: Page, info: TestInfo) {
  const target = jsEnabled(info) ? page : await withoutScripts(page);
  const readable: string[] = [];
  const schemes = jsEnabled(info) ? (["light", "dark"] as const) : (["light"] as const);
  for (const colorScheme of schemes) {
    await target.emulateMedia({ colorScheme });
    // Colours fade over (transitions) when the scheme changes; judge the settled page. One
    // cancelled on the way (its element re-rendered) is settled too.
    await target.evaluate(() =>
      Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))),
    );
    const { violations } = await new AxeBuilder({ page: target })
      // Off by default in axe as experimental; Lighthouse runs it, and it is WCAG 2.5.3.
      .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
      .withTags(TAGS)
      .analyze();
    for (const v of violations) {
      for (const node of v.nodes) {
        readable.push(
          `${colorScheme}: ${v.id} (${v.impact}): ${v.help} at ${node.target.join(" ")}\n` +
            `    ${node.failureSummary?.replace(/\n/g, "\n    ")}\n    ${node.html.slice(0, 200)}`,
        );
      }
    }
  }
  if (target === page) await page.emulateMedia({ colorScheme: null });
  else await target.context().close();
  // Soft, so one run reports every page.
  expect.soft(readable, `axe found problems on ${page.url()}`).toEqual([]);
}

/**
 * axe is a script, and a page without JavaScript runs none. So the server's HTML, as the
 * page without JavaScript holds it, is served again at the same address to a page that may
 * run scripts but gets none of the app's: what axe sees is what a person without JavaScript
 * sees, styles included.
 */
async function withoutScripts(page: Page): Promise<Page> {
  const url = page.url();
  const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, "");
  const browser = page.context().browser();
  expect(browser).not.toBeNull();
  // At the width of the page checked: a phone's layout is not a desktop's.
  const context = await browser!.newContext({ javaScriptEnabled: true, viewport: page.viewportSize() });
  const copy = await context.newPage();
  await copy.route("**/*", (route) => {
    const req = route.request();
    if (req.url() === url && req.resourceType() === "document") return route.fulfill({ body: html, contentType: "text/html; charset=utf-8" });
    if (["stylesheet", "image", "font"].includes(req.resourceType())) return route.continue();
    return route.abort();
  });
  await copy.goto(url);
  return copy;
}

let ticket = 0;
let acme = 0;

test.beforeAll(async ({}, info) => {
  ticket = await ticketWithEverything(info);
  acme = await acmeId(info);
});

test("the sign-in page, and a page that does not exist", async ({ page }, info) => {
  await open(page, info, "/login");
  await expectNoViolations(page, info);
  // A failed attempt shows its message beside the form.
  await page.getByLabel("Email").fill(ACME_REQUESTER);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectNoViolations(page, info);

  await open(page, info, "/no-such-page");
  await expectNoViolations(page, info);

  // The second step of signing in, as a person with two-factor sign-in on would see it.
  await open(page, info, "/login/two-factor");
  await expectNoViolations(page, info);
});

test("forms that explain a mistake next to each field", async ({ page }, info) => {
  const login = await page.request.post("/api/v1/auth/login", { data: { email: ACME_REQUESTER, password: PASSWORD } });
  expect(login.ok()).toBeTruthy();
  await open(page, info, "/tickets/new");
  // Blank text passes the browser's own `required` check; the server explains.
  await page.getByLabel("Subject").fill("   ");
  await page.getByLabel("Description").fill("  ");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.locator("#ticket-subject-error")).not.toBeEmpty();
  await expectNoViolations(page, info);

  await open(page, info, "/profile");
  await page.getByLabel("Your name").fill(" ");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.locator("#profile-name-error")).not.toBeEmpty();
  await expectNoViolations(page, info);
});

/** The pages each role works with; `()` because the ticket and org ids come later. */
const pages: Record<string, { email: string; paths: () => string[] }> = {
  requester: {
    email: ACME_REQUESTER,
    paths: () => [
      "/",
      "/tickets",
      "/tickets/new",
      `/tickets/${ticket}`,
      "/wiki",
      "/wiki?q=printer",
      "/wiki/printer-offline",
      "/profile",
      "/profile/two-factor",
    ],
  },
  manager: {
    email: ACME_MANAGER,
    paths: () => [
      "/",
      "/tickets",
      "/tickets/new",
      `/tickets/${ticket}`,
      "/wiki",
      "/reports",
      "/people",
      "/settings",
      "/access",
      "/profile",
    ],
  },
  technician: {
    email: TECH,
    paths: () => [
      "/",
      "/tickets",
      `/tickets/${ticket}`,
      "/wiki",
      "/wiki?q=password",
      "/wiki/printer-offline",
      "/wiki/new",
      "/wiki/printer-offline/edit",
      "/wiki/printer-offline/revisions",
      "/wiki/printer-offline/revisions/1",
      "/reports",
      "/canned-replies",
      "/profile",
    ],
  },
  admin: {
    email: ADMIN,
    paths: () => [
      "/",
      "/tickets",
      `/tickets/${ticket}`,
      "/wiki",
      "/reports",
      "/canned-replies",
      "/admin",
      `/admin/orgs/${acme}`,
      "/profile",
    ],
  },
};

/** A phone's screen, where tables stack and the header wraps: a pass of its own. */
const PHONE = { width: 390, height: 844 };

for (const [role, { email, paths }] of Object.entries(pages)) {
  for (const [where, viewport] of [["", null], [" on a 390 px phone", PHONE]] as const) {
    test(`every page a ${role} uses has no accessibility violations${where}`, async ({ page }, info) => {
      test.setTimeout(180_000);
      if (viewport) await page.setViewportSize(viewport);
      // Signing in through the API shares the cookie with the page; the form is checked above.
      const login = await page.request.post("/api/v1/auth/login", { data: { email, password: PASSWORD } });
      expect(login.ok()).toBeTruthy();
      for (const path of paths()) {
        await test.step(path, async () => {
          await open(page, info, path);
          await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
          await expectNoViolations(page, info);
        });
      }
    });
  }
}
