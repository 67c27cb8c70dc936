// Each role's home page (issue #17): an employee starts from the search and sees where each
// open request stands; a technician's desk lists their tickets and what others did since they
// last looked; an office manager sees the month at a glance, linked to its report.
import { expect, request, test, type APIRequestContext, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, PASSWORD, TECH, fileRequest, jsEnabled, open, signIn, unique } from "./support";

async function api(info: TestInfo, email: string): Promise<APIRequestContext> {
  const context = await request.newContext({ baseURL: info.project.use.baseURL });
  expect((await context.post("/api/v1/auth/login", { data: { email, password: PASSWORD } })).ok()).toBeTruthy();
  return context;
}

async function say(context: APIRequestContext, id: number, body: string, internal = false) {
  expect((await context.post(`/api/v1/tickets/${id}/comments`, { data: { body, internal } })).ok()).toBeTruthy();
}

test("an employee's home page starts with the search and says where each open request stands", async ({ page }, info) => {
  const subject = unique("Scanner stopped", info);
  const id = await fileRequest(info, subject, "normal");
  const tom = await api(info, TECH);
  await say(tom, id, "Looking at it now.");
  await say(tom, id, "zqxhomenote: the driver again", true);
  await tom.dispose();

  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/");

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Rob Requester");
  const requests = page.getByRole("region", { name: "Your open requests" });
  const item = requests.getByRole("listitem").filter({ hasText: subject });
  await expect(item).toContainText("Tom Technician replied");
  await expect(page.getByText("zqxhomenote")).toHaveCount(0);

  await item.getByRole("link", { name: `#${id} ${subject}` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`#${id} ${subject}`);
});

test("what an employee types finds the wiki's answer, or files it as a request", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/");
  const search = page.getByRole("searchbox", { name: "What do you need help with?" });

  if (jsEnabled(info)) {
    // Answers appear as they type; the request takes what they typed as its subject.
    await search.pressSequentially("printer offline");
    const answers = page.getByRole("region", { name: "From the wiki" });
    await expect(answers.getByRole("link", { name: "Printer shows offline" })).toBeVisible();
    await answers.getByRole("link", { name: "Ask for help" }).click();
    await expect(page).toHaveURL(/\/tickets\/new\?subject=printer%20offline$/);
    await expect(page.getByLabel("Subject")).toHaveValue("printer offline");
  } else {
    // Without JavaScript the search is the wiki's own.
    await search.fill("printer offline");
    await search.press("Enter");
    await expect(page).toHaveURL(/\/wiki\?q=printer\+offline$/);
    const results = page.getByRole("region", { name: "Search results" });
    await expect(results.getByRole("link", { name: "Printer shows offline" })).toBeVisible();
  }
});

test("a technician's desk lists their tickets, and what others did until it is marked seen", async ({ page }, info) => {
  const subject = unique("Desk monitor flickers", info);
  const id = await fileRequest(info, subject, "urgent");
  const tom = await api(info, TECH);
  const me = await (await tom.get("/api/v1/me")).json();
  expect((await tom.patch(`/api/v1/tickets/${id}`, { data: { assignee_id: me.user_id } })).ok()).toBeTruthy();
  const rob = await api(info, ACME_REQUESTER);
  await say(rob, id, "It flickers more after lunch.");

  await signIn(page, info, TECH);
  await open(page, info, "/");

  const counts = page.getByRole("navigation", { name: "The queue" });
  await expect(counts.getByRole("link", { name: /Unassigned$/ })).toBeVisible();
  const mine = page.getByRole("region", { name: "Your tickets, next due first" });
  await expect(mine.getByRole("link", { name: `#${id} ${subject}` })).toBeVisible();
  const changes = page.getByRole("region", { name: "Since you last looked" });
  const change = changes.getByRole("listitem").filter({ hasText: subject });
  await expect(change.filter({ hasText: "Rob Requester replied" })).toBeVisible();

  await changes.getByRole("button", { name: "Mark all as seen" }).click();
  await expect(changes).toContainText("Nothing new on your tickets since");

  // Rob writes again: with JavaScript the desk shows it as it happens; without, on the next visit.
  await say(rob, id, "Now it is black.");
  if (!jsEnabled(info)) await open(page, info, "/");
  await expect(change).toHaveCount(1);
  await expect(change).toContainText("Rob Requester replied");
  await rob.dispose();
  await tom.dispose();
});

test("an office manager sees this month at a glance, each figure leading to the report", async ({ page }, info) => {
  await fileRequest(info, unique("Month glance", info), "high");
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/");

  const month = page.getByRole("region", { name: "This month at a glance" });
  await expect(month.getByRole("link", { name: /open requests?$/ })).toBeVisible();
  await expect(month.getByRole("link", { name: /targets? missed$/ })).toBeVisible();
  await expect(month.getByRole("link", { name: /of IT time$/ })).toBeVisible();
  await expect(month.getByRole("link", { name: /answered by the wiki$/ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Your open requests" })).toBeVisible();

  await month.getByRole("link", { name: "The month's full report" }).click();
  await expect(page).toHaveURL(/\/reports\?org=\d+&from=\d{4}-\d{2}-01&to=\d{4}-\d{2}-\d{2}$/);
  await expect(page.getByText(/Acme Dental · \d{4}-\d{2}-01 to/)).toBeVisible();
});
