// Resolving asks "What fixed it?" in the same form, offers the articles that fit to add the fix
// to, and warns before a new draft repeats an article that exists. Works with and without
// JavaScript (the question shows by CSS alone once Resolved is chosen).
import { expect, request, test } from "@playwright/test";
import { ACME_REQUESTER, PASSWORD, TECH, fileRequest, open, signIn, unique } from "./support";

/** Tom writes an internal article through the API; its address. */
async function article(baseURL: string, title: string): Promise<string> {
  const api = await request.newContext({ baseURL });
  const login = await api.post("/api/v1/auth/login", { data: { email: TECH, password: PASSWORD } });
  expect(login.ok()).toBeTruthy();
  const res = await api.post("/api/v1/articles", {
    data: { title, body: "Check the cable first.", visibility: "internal", tags: [] },
  });
  expect(res.status()).toBe(201);
  const slug = (await res.json()).slug as string;
  await api.dispose();
  return slug;
}

test("resolving asks what fixed it and adds the fix to the article with a near title", async ({ page, browser }, info) => {
  const tag = unique("Plotter", info).replace(/ /g, "");
  const subject = `${tag} offline`;
  const title = `${tag} shows offline`;
  const slug = await article(info.project.use.baseURL!, title);
  const id = await fileRequest(info, subject, "normal");

  await signIn(page, info, TECH);
  await open(page, info, `/tickets/${id}`);
  const manage = page.getByRole("region", { name: "Manage" });
  // Asked only while Resolved is chosen.
  await expect(manage.getByLabel("What fixed it?")).toBeHidden();
  await manage.getByLabel("Status").selectOption("resolved");
  await expect(manage.getByLabel("What fixed it?")).toBeVisible();
  // The article with the near title is offered, and chosen over a new draft.
  await expect(manage.getByText(`“${title}” has a similar title`)).toBeVisible();
  await expect(manage.getByLabel(`Add to “${title}”`)).toBeChecked();

  // A new draft anyway is stopped once, with the article named.
  await manage.getByLabel("What fixed it?").fill("Reseated the network cable.");
  await manage.getByLabel("A new draft article").check();
  await manage.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#resolve-article-error")).toContainText(`“${title}” may already cover this`);
  await expect(page.locator(".ticket-head .badge.status-resolved")).toHaveCount(0);
  // Still resolving, so the question and its warning stay in view.
  await expect(manage.getByLabel("Status")).toHaveValue("resolved");

  // Added to the article instead.
  await manage.getByLabel("Status").selectOption("resolved");
  await manage.getByLabel("What fixed it?").fill("Reseated the network cable.");
  await manage.getByLabel(`Add to “${title}”`).check();
  await manage.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator(".ticket-head .badge.status-resolved")).toBeVisible();
  await expect(page.getByRole("region", { name: "Wiki" }).getByRole("link", { name: title })).toBeVisible();
  await open(page, info, `/wiki/${slug}`);
  await expect(page.getByText("Reseated the network cable.")).toBeVisible();

  // The requester sees neither the question nor the internal article.
  const rob = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(rob, info, ACME_REQUESTER);
  await open(rob, info, `/tickets/${id}`);
  await expect(rob.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(rob.getByText("What fixed it?")).toHaveCount(0);
  await expect(rob.getByText(title)).toHaveCount(0);
  await rob.close();
});
