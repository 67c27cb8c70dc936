// Script-injection payloads typed into every field a person can type, then looked at
// everywhere they show, by staff and by the requester: they read as text and nothing runs.
// With JavaScript, payloads call `__pwned` (and `alert`), which the test watches, and live
// updates are looked at too; without it, the server's HTML is checked for markup that would
// run script in a browser that has it.
import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, PASSWORD, TECH, acceptInvitation, jsEnabled, open, signIn } from "./support";

/** Anything that runs script; none of Deskside's own pages has it in its content. */
const DANGEROUS = [
  "main script",
  "header script",
  "main iframe",
  "main object",
  "main embed",
  "main style",
  "main base",
  "main meta",
  "[srcdoc]",
  '[href*="javascript:" i]',
  '[src*="javascript:" i]',
  '[action*="javascript:" i]',
  '[formaction*="javascript:" i]',
  '[data*="javascript:" i]',
  '[href^="data:" i]',
  '[src^="data:text" i]',
  '[style*="javascript" i]',
  "[onerror]",
  "[onload]",
  "[onclick]",
  "[ontoggle]",
  "[onfocus]",
  "[onmouseover]",
  "[onbegin]",
  "[onanimationstart]",
].join(", ");

/** Short payloads for one-line fields (names allow 100 characters). */
const NAME_A = `<img src=x onerror=__pwned('n1')>"><svg/onload=__pwned('n2')>`;
const NAME_B = `</title></script><script>__pwned('n3')</script>{{7*7}}`;
const SUBJECT = `</title><script>__pwned('subject')</script>"><img src=x onerror=alert('subject')>{{7*7}}`;
const TITLE = `</title>"><svg onload=__pwned('title')><script>__pwned('title2')</script> hostilecorpus`;
const FILE_NAME = `"><img src=x onerror=__pwned('file')>.png`;
/** Browsers send `"` in a multipart file name as `%22` (HTML's form encoding), so it arrives so. */
const FILE_NAME_SENT = FILE_NAME.replaceAll('"', "%22");
const QUERY = `"><script>__pwned('query')</script><img src=x onerror=alert('query')>`;

/** Markdown carrying every trick we know; `tag` ends it, so its end can be found on a page. */
function corpus(tag: string): string {
  return [
    `hostilecorpus ${tag} begins`,
    `<script>__pwned("${tag} script")</script>`,
    `<img src=x onerror="__pwned('${tag} img')">`,
    `<svg onload=__pwned('${tag} svg')></svg>`,
    `"><svg/onload=__pwned('${tag} breakout')>`,
    `'><img src=x onerror=alert('${tag} single')>`,
    `</title><script>__pwned('${tag} title')</script>`,
    `</textarea><script>__pwned('${tag} textarea')</script>`,
    `</script><script>__pwned('${tag} script close')</script>`,
    `<iframe srcdoc="<script>parent.__pwned('${tag} srcdoc')</script>"></iframe>`,
    `<a href="javascript:__pwned('${tag} a')">html link</a>`,
    `<a href="#" onclick="__pwned('${tag} onclick')">click me</a>`,
    `[markdown link](javascript:__pwned('${tag}-md-link'))`,
    `[entity link](jav&#x61;script:__pwned('${tag}-md-entity'))`,
    `![markdown image](javascript:__pwned('${tag}-md-img'))`,
    `[data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZCgnZGF0YScpPC9zY3JpcHQ+)`,
    `![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+)`,
    `<details open ontoggle="__pwned('${tag} details')">details</details>`,
    `<form action="javascript:__pwned('${tag} form')"><button formaction="javascript:alert(1)">go</button></form>`,
    `<object data="javascript:__pwned('${tag} object')"></object>`,
    `<div style="background:url(javascript:__pwned('${tag} style'))">styled</div>`,
    `<style>*{background:url("javascript:__pwned('${tag} css')")}</style>`,
    `{{constructor.constructor('__pwned("${tag} template")')()}}`,
    "`<script>__pwned('" + tag + " code')</script>`",
    `hostilecorpus ${tag} ends`,
    // Last: the sanitizer drops an unclosed <style> with all that follows, as a browser would
    // read it, which hides only the author's own words.
    `<math><mtext><table><mglyph><style><img src=x onerror=__pwned('${tag} mxss')>`,
  ].join("\n\n");
}

/** Text a page must show where `corpus(tag)` is rendered. */
function corpusText(tag: string): string[] {
  return [
    `hostilecorpus ${tag} begins`,
    `<script>__pwned('${tag} code')</script>`,
    `{{constructor.constructor('__pwned("${tag} template")')()}}`,
    "markdown link",
    `hostilecorpus ${tag} ends`,
  ];
}

/** What ran: calls of `__pwned` and dialogs, across every page of the test. */
let fired: string[] = [];

test.beforeEach(() => {
  fired = [];
});

/** Watches `page` for payloads that run. */
async function watch(page: Page) {
  await page.exposeFunction("__pwned", (what: unknown) => {
    fired.push(String(what));
  });
  page.on("dialog", async (dialog) => {
    fired.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
}

/** A person in a browser page of their own, with this project's JavaScript setting, watched. */
async function person(browser: Browser, info: TestInfo, email: string, password = PASSWORD): Promise<Page> {
  const page = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await watch(page);
  await signIn(page, info, email, password);
  return page;
}

/** Nothing ran, and the page holds nothing that could run. */
async function expectInert(page: Page, info: TestInfo) {
  await page.waitForLoadState("load");
  const dangerous = page.locator(DANGEROUS);
  if (jsEnabled(info)) {
    // The markup itself, so a failure shows what got through.
    expect(await dangerous.evaluateAll((els) => els.map((el) => el.outerHTML.slice(0, 300)))).toEqual([]);
  } else {
    // Without JavaScript nothing can be evaluated in the page; count what the selector finds.
    await expect(dangerous).toHaveCount(0);
  }
  if (jsEnabled(info)) {
    // Any event handler attribute at all, not just the ones the selector names.
    const handlers = await page.evaluate(() =>
      [...document.querySelectorAll("*")].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${el.localName} ${a.name}>`),
      ),
    );
    expect(handlers).toEqual([]);
    // Script elements anywhere, the head included, that a payload brought.
    const injected = await page.evaluate(() =>
      [...document.scripts].filter((s) => /^\s*(parent\.)?(__pwned|alert)\(/.test(s.text)).map((s) => s.outerHTML.slice(0, 300)),
    );
    expect(injected).toEqual([]);
  }
  expect(fired, `payloads ran on ${page.url()}`).toEqual([]);
}

async function expectCorpus(page: Page, tag: string) {
  for (const text of corpusText(tag)) {
    await expect(page.getByText(text, { exact: false }).first()).toBeVisible();
  }
}

function uniqueEmail(info: TestInfo): string {
  return `hostile.${info.project.name}.${Date.now() % 1_000_000}@acme.example`;
}

test("a person with a hostile name files a hostile request; staff and requester see text", async ({ page, browser }, info) => {
  test.setTimeout(120_000);
  const email = uniqueEmail(info);
  // Each project's person has names of their own, so each finds theirs.
  const nameA = `${NAME_A} ${info.project.name}`;
  const nameB = `${NAME_B} ${info.project.name}`;
  const subject = `${SUBJECT} ${info.project.name} ${Date.now() % 1_000_000}`;

  // The office manager adds a person whose name is a payload.
  await watch(page);
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/people");
  await page.getByLabel("Name", { exact: true }).fill(nameA);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Invite person" }).click();
  await expect(page.getByRole("cell", { name: nameA, exact: true })).toBeVisible();
  await expectInert(page, info);

  // They accept the invitation; its page greets them by the hostile name, as text.
  const invited = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await watch(invited);
  await acceptInvitation(invited, info, email, "hostile but patient");
  await expectInert(invited, info);
  await invited.close();

  // They rename themselves to another payload.
  const requester = await person(browser, info, email, "hostile but patient");
  await expect(requester.getByRole("heading", { level: 1 })).toHaveText(`Hello, ${nameA}`);
  await expectInert(requester, info);
  await open(requester, info, "/profile");
  await requester.getByLabel("Your name").fill(nameB);
  await requester.getByRole("button", { name: "Save name" }).click();
  await open(requester, info, "/");
  await expect(requester.getByRole("heading", { level: 1 })).toHaveText(`Hello, ${nameB}`);
  await expect(requester.locator("header .account-menu > summary")).toHaveText(nameB);
  await expectInert(requester, info);

  // A technician watches the queue; with JavaScript the request arrives there live.
  const tech = await person(browser, info, TECH);
  await open(tech, info, `/tickets?q=${encodeURIComponent(info.project.name)}`);
  if (jsEnabled(info)) await expect(tech.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  // The request: a payload subject, the corpus as description, a payload file name.
  await open(requester, info, "/tickets/new");
  await requester.getByLabel("Subject").fill(subject);
  await requester.getByLabel("Description").fill(corpus("description"));
  await requester.getByLabel("Attachments").setInputFiles({
    name: FILE_NAME,
    mimeType: "image/png",
    buffer: Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==",
      "base64",
    ),
  });
  if (jsEnabled(info)) {
    await expect(requester.getByRole("list", { name: "Files to send" })).toContainText(FILE_NAME);
    await expectInert(requester, info);
  }
  await requester.getByRole("button", { name: "Send request" }).click();
  await expect(requester.getByRole("heading", { level: 1 })).toContainText(subject);
  const ticketPath = new URL(requester.url()).pathname;
  const id = ticketPath.split("/").pop();
  await expect(requester).toHaveTitle(`#${id} ${subject} · Deskside`);
  await expectCorpus(requester, "description");
  await expect(requester.getByRole("img", { name: FILE_NAME_SENT })).toBeVisible();
  await expectInert(requester, info);

  if (jsEnabled(info)) {
    await expect(tech.locator("table.queue tbody tr").filter({ hasText: subject })).toBeVisible();
    await expectInert(tech, info);
  }
  await open(tech, info, `/tickets?q=${encodeURIComponent(info.project.name)}`);
  const row = tech.locator("table.queue tbody tr").filter({ hasText: subject });
  await expect(row).toContainText(nameB);
  await expectInert(tech, info);

  // The technician reads it, replies with the corpus and keeps a note with it.
  await row.getByRole("link", { name: subject }).click();
  await expect(tech.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(tech).toHaveTitle(`#${id} ${subject} · Deskside`);
  await expect(tech.getByText(nameB).first()).toBeVisible();
  await expect(tech.getByRole("img", { name: FILE_NAME_SENT })).toBeVisible();
  await expectCorpus(tech, "description");
  await tech.getByLabel("Your reply").fill(corpus("reply"));
  await tech.getByRole("button", { name: "Send" }).click();
  await expect(tech.getByText("hostilecorpus reply ends")).toBeVisible();
  await tech.getByLabel("Your reply").fill(corpus("note"));
  await tech.getByLabel("Internal note").check();
  await tech.getByRole("button", { name: "Add internal note" }).click();
  await expect(tech.getByText("hostilecorpus note ends")).toBeVisible();
  await expectInert(tech, info);
  await open(tech, info, ticketPath);
  await expectCorpus(tech, "reply");
  await expectCorpus(tech, "note");
  await expectInert(tech, info);

  // The requester sees the reply (not the note), and the request among their own.
  await open(requester, info, ticketPath);
  await expectCorpus(requester, "reply");
  await expect(requester.getByText("hostilecorpus note ends")).toHaveCount(0);
  await expectInert(requester, info);
  await open(requester, info, "/tickets");
  await expect(requester.getByRole("link", { name: subject })).toBeVisible();
  await expectInert(requester, info);

  // The manager's reports name the requester.
  await open(page, info, "/reports");
  await expect(page.locator("svg text").filter({ hasText: nameB })).toBeVisible();
  await expectInert(page, info);

  await Promise.all([requester.close(), tech.close()]);
});

test("a hostile article reads as text to its editor and to employees", async ({ page, browser }, info) => {
  test.setTimeout(120_000);
  const slug = `hostile-${info.project.name}-${Date.now() % 1_000_000}`;
  const title = `${TITLE} ${info.project.name}`;

  await watch(page);
  await signIn(page, info, TECH);
  await open(page, info, "/wiki/new");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Address").fill(slug);
  await page.getByLabel("Tags").fill(`hostile, "><svg/onload=__pwned('tag')>`);
  await page.getByLabel("Who may read it").selectOption("all_clients");
  await page.getByLabel("Article", { exact: true }).fill(corpus("article"));
  if (jsEnabled(info)) {
    // The live preview renders the corpus while it is typed.
    await expect(page.getByRole("region", { name: "Preview" }).getByText("hostilecorpus article ends")).toBeVisible();
    await expectInert(page, info);
  }
  await page.getByLabel("Published (unticked: a draft only editors see)").check();
  await page.getByRole("button", { name: "Create article" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  await expect(page).toHaveTitle(`${title} · Deskside`);
  await expectCorpus(page, "article");
  await expectInert(page, info);

  // The editor gives the markdown back exactly, `</textarea>` and all.
  await open(page, info, `/wiki/${slug}/edit`);
  await expect(page.getByLabel("Article", { exact: true })).toHaveValue(corpus("article"));
  await expect(page.getByLabel("Title")).toHaveValue(title);
  await expectInert(page, info);
  await open(page, info, `/wiki/${slug}/revisions/1`);
  await expectCorpus(page, "article");
  await expectInert(page, info);

  // An employee finds it in the list and by searching, and reads it.
  const employee = await person(browser, info, "rita@acme.example");
  await open(employee, info, "/wiki");
  await expect(employee.getByRole("link", { name: title })).toBeVisible();
  await expectInert(employee, info);
  await open(employee, info, `/wiki?q=${encodeURIComponent(`hostilecorpus ${info.project.name}`)}`);
  const results = employee.getByRole("region", { name: "Search results" });
  await expect(results.getByRole("link", { name: title })).toBeVisible();
  await expect(results.locator("mark").first()).toBeVisible();
  await expectInert(employee, info);
  await open(employee, info, `/wiki/${slug}`);
  await expectCorpus(employee, "article");
  await expectInert(employee, info);

  if (jsEnabled(info)) {
    // Suggestions while filing show the title as text.
    await open(employee, info, "/tickets/new");
    await employee.getByLabel("Subject").fill(`hostilecorpus ${info.project.name}`);
    await expect(employee.getByRole("link", { name: title })).toBeVisible();
    await expectInert(employee, info);
  }
  await employee.close();
});

test("hostile search queries come back as text in every search box", async ({ page, browser }, info) => {
  await watch(page);
  await signIn(page, info, TECH);

  // The header's search, from any page.
  await open(page, info, "/");
  await page.getByLabel("Search the wiki").fill(QUERY);
  await page.getByLabel("Search the wiki").press("Enter");
  await expect(page).toHaveURL(/\/wiki\?q=/);
  await expect(page.getByLabel("Search articles")).toHaveValue(QUERY);
  await expectInert(page, info);

  // The wiki's own search.
  await page.getByLabel("Search articles").fill(`${QUERY} {{7*7}}`);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByLabel("Search articles")).toHaveValue(`${QUERY} {{7*7}}`);
  await expectInert(page, info);

  // The queue's search.
  await open(page, info, "/tickets");
  await page.getByLabel("Search", { exact: true }).fill(QUERY);
  await page.getByLabel("Search", { exact: true }).press("Enter");
  await expect(page).toHaveURL(/q=/);
  await expect(page.getByLabel("Search", { exact: true })).toHaveValue(QUERY);
  await expectInert(page, info);

  // A requester's list of their own tickets.
  const employee = await person(browser, info, "raj@acme.example");
  await open(employee, info, "/tickets");
  await employee.getByLabel("Search", { exact: true }).fill(QUERY);
  await employee.getByLabel("Search", { exact: true }).press("Enter");
  await expect(employee).toHaveURL(/q=/);
  await expect(employee.getByLabel("Search", { exact: true })).toHaveValue(QUERY);
  await expectInert(employee, info);
  await employee.close();
});
