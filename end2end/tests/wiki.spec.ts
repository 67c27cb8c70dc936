// The wiki with JavaScript on and off: a fix written down from a solved ticket, published,
// and found by an employee's search; drafts and other organizations' articles stay hidden.
import { expect, test } from "@playwright/test";
import { ACME_REQUESTER, TECH, fileRequest, open, signIn, unique } from "./support";

test("a technician resolves a ticket and publishes its fix as an article", async ({ page, browser }, info) => {
  const subject = unique("Scanner saves blank pages", info);
  const id = await fileRequest(info, subject, "normal");

  await signIn(page, info, TECH);
  await open(page, info, `/tickets/${id}`);
  await page.getByLabel("Status").selectOption("resolved");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator(".ticket-head .badge")).toHaveText("Resolved");

  await page.getByText("What fixed it? Write it down for next time").click();
  // Asking without a fix is explained next to the field, and nothing is saved.
  await page.getByLabel("Symptom").fill("Every scanned page comes out blank.");
  await page.getByRole("button", { name: "Save to the wiki" }).click();
  await expect(page.getByText("What fixed it, step by step?")).toBeVisible();

  await page.getByLabel("Symptom").fill("Every scanned page comes out blank.");
  await page.getByLabel("Cause").fill("The glass was set as the source while pages sat in the feeder.");
  await page.getByLabel("Fix").fill("Choose **Document feeder** as the source in the scan dialog.");
  await page.getByRole("button", { name: "Save to the wiki" }).click();

  // The draft opens in the editor, named after the ticket; publishing makes it readable.
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(page.getByLabel("Article", { exact: true })).toHaveValue(/Document feeder/);
  await page.getByLabel("Who may read it").selectOption("all_clients");
  await page.getByLabel("Tags").fill("scanner, printing");
  await page.getByLabel("Published (unticked: a draft only editors see)").check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(subject);
  await expect(page.locator(".wiki-article strong")).toHaveText("Document feeder");
  await expect(page.getByText("Helped with 1 ticket")).toBeVisible();

  // The ticket shows the article it was resolved with.
  await open(page, info, `/tickets/${id}`);
  await expect(page.getByRole("region", { name: "Wiki" }).getByRole("link", { name: subject })).toBeVisible();

  // An employee finds it by searching with another form of the word.
  const employee = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, "/wiki");
  await employee.getByLabel("Search articles").fill(`scanning blank ${info.project.name}`);
  await employee.getByRole("button", { name: "Search" }).click();
  const results = employee.getByRole("region", { name: "Search results" });
  await expect(results.getByRole("link", { name: subject })).toBeVisible();
  await expect(results.locator("mark").first()).toBeVisible();
  await employee.close();
});

test("an employee sees only articles shared with them, and cannot edit", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/wiki");
  await expect(page.getByRole("link", { name: "Printer shows offline" })).toBeVisible();
  await expect(page.getByRole("link", { name: "New article" })).toHaveCount(0);

  await open(page, info, "/wiki/printer-offline");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Printer shows offline");
  await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);

  // An internal runbook and another client's article are not found, even by address.
  for (const hidden of ["runbook-locked-out-account", "birch-month-end-backup"]) {
    const response = await page.goto(`/wiki/${hidden}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "No such article" })).toBeVisible();
  }
  // Their own organization's article is there.
  await open(page, info, "/wiki/acme-xray-imaging-share");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Open the X-ray imaging share");
});

test("a bad article is explained next to each field and nothing is saved", async ({ page }, info) => {
  await signIn(page, info, TECH);
  await open(page, info, "/wiki/new");
  // Blank (not empty) fields get past the browser's own check and reach the server's.
  await page.getByLabel("Title").fill("  ");
  await page.getByLabel("Address").fill("Not an address");
  await page.getByLabel("Article", { exact: true }).fill("  ");
  await page.getByRole("button", { name: "Create article" }).click();
  await expect(page.getByText("Give the article a title.")).toBeVisible();
  await expect(page.getByText("Use lowercase letters, digits and dashes")).toBeVisible();
  await expect(page.getByText("Write the article: what to do, step by step.")).toBeVisible();

  // A taken address is refused too.
  await open(page, info, "/wiki/new");
  await page.getByLabel("Title").fill("Another printer article");
  await page.getByLabel("Address").fill("printer-offline");
  await page.getByLabel("Article", { exact: true }).fill("Duplicate.");
  await page.getByRole("button", { name: "Create article" }).click();
  await expect(page.getByText(/address is taken/)).toBeVisible();
  await open(page, info, "/wiki/printer-offline");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Printer shows offline");
});
