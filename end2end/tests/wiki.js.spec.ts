// The wiki where JavaScript runs (the no-js project ignores *.js.spec.ts): suggestions while
// a request is typed, and an edit that meets someone else's newer save.
import { expect, test } from "@playwright/test";
import { ACME_REQUESTER, TECH, closePeople, open, person, unique } from "./support";

test.afterEach(closePeople);

test("an employee typing a request is shown the printer article and needs no ticket", async ({ browser }, info) => {
  const rob = await person(browser, info, ACME_REQUESTER);
  await open(rob, info, "/wiki/printer-offline");
  const answered = async () => {
    const text = (await rob.locator(".wiki-article footer").textContent()) ?? "";
    return Number(/answered (\d+)/.exec(text)?.[1] ?? 0);
  };
  const before = await answered();

  await open(rob, info, "/tickets/new");
  await rob.getByLabel("Subject").pressSequentially("printer offline");
  const suggestions = rob.getByRole("complementary", { name: "Might one of these help?" });
  const article = suggestions.getByRole("link", { name: "Printer shows offline" });
  await expect(article).toBeVisible();
  await expect(suggestions.locator("mark").first()).toBeVisible();

  await article.click();
  await rob.getByRole("button", { name: "This solved my problem" }).click();
  await expect(rob.getByText("Glad it helped. No ticket was filed")).toBeVisible();
  await open(rob, info, "/wiki/printer-offline");
  expect(await answered()).toBe(before + 1);

  // Nothing was filed.
  await open(rob, info, "/tickets?q=printer+offline");
  await expect(rob.getByRole("link", { name: "printer offline", exact: true })).toHaveCount(0);
});

test("an edit saved over someone else's newer revision shows both, and overwrites nothing", async ({ browser }, info) => {
  const title = unique("VPN setup", info);
  const tom = await person(browser, info, TECH);
  await open(tom, info, "/wiki/new");
  await tom.getByLabel("Title").fill(title);
  await tom.getByLabel("Article", { exact: true }).fill("1. Install the client.");
  await expect(tom.getByRole("region", { name: "Preview" }).locator("li")).toHaveText("Install the client.");
  await tom.getByRole("button", { name: "Create article" }).click();
  await expect(tom.getByRole("heading", { level: 1 })).toHaveText(title);
  const address = tom.url().replace(/^https?:\/\/[^/]+/, "");

  const tia = await person(browser, info, "tia@provider.example");
  await open(tia, info, `${address}/edit`);
  await open(tom, info, `${address}/edit`);
  await tom.getByLabel("Article", { exact: true }).fill("1. Install the client.\n2. Sign in with your email.");
  await tom.getByRole("button", { name: "Save" }).click();
  await expect(tom.getByText("Revision 2")).toBeVisible();

  await tia.getByLabel("Article", { exact: true }).fill("1. Install the client from the portal.");
  await tia.getByRole("button", { name: "Save" }).click();
  const theirs = tia.getByRole("region", { name: "Their version" });
  await expect(theirs).toContainText("Sign in with your email.");
  await expect(tia.getByLabel("Article", { exact: true })).toHaveValue("1. Install the client from the portal.");

  // Saving again is a deliberate choice: it becomes revision 3, and 2 stays in the history.
  await tia.getByRole("button", { name: "Save" }).click();
  await expect(tia.getByText("Revision 3")).toBeVisible();
  await open(tia, info, `${address}/revisions`);
  await expect(tia.locator("table.revisions tbody tr")).toHaveCount(3);
  await tia.getByLabel("Compare from revision 2").check();
  await tia.getByLabel("Compare to revision 3").check();
  await tia.getByRole("button", { name: "Compare" }).click();
  await expect(tia.locator("pre.diff .removed").filter({ hasText: "Sign in with your email." })).toHaveCount(1);
  await expect(tia.locator("pre.diff .added")).toContainText("from the portal");

  // Restoring revision 2 brings Tom's text back as revision 4.
  await open(tia, info, `${address}/revisions/2`);
  await tia.getByRole("button", { name: "Restore this revision" }).click();
  await expect(tia.getByText("Revision 4")).toBeVisible();
  await expect(tia.locator(".wiki-article")).toContainText("Sign in with your email.");
});
