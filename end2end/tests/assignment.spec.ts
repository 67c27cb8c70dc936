// The team's assignment setting on /admin: on by default, a technician's reply takes an
// unassigned ticket on; switched off, the ticket stays nobody's until someone assigns it.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { ADMIN, TECH, fileRequest, open, signIn, unique } from "./support";

async function setAssignment(page: Page, info: TestInfo, on: boolean) {
  await open(page, info, "/admin");
  const card = page.getByRole("region", { name: "Assignment" });
  const box = card.getByLabel("Replying to or resolving an unassigned ticket assigns it to the technician doing it");
  await box.setChecked(on);
  await card.getByRole("button", { name: "Save assignment" }).click();
  await open(page, info, "/admin");
  if (on) {
    await expect(box).toBeChecked();
  } else {
    await expect(box).not.toBeChecked();
  }
}

test("an admin switches off assigning on reply, and a reply then leaves the ticket unassigned", async ({ page, browser }, info) => {
  // Two people and seven page loads.
  test.setTimeout(90_000);
  const id = await fileRequest(info, unique("Badge reader beeps", info), "normal");
  await signIn(page, info, ADMIN);
  await open(page, info, "/admin");
  await expect(
    page.getByRole("region", { name: "Assignment" }).getByLabel(/assigns it to the technician doing it/),
  ).toBeChecked();

  await setAssignment(page, info, false);
  try {
    const tom = await browser.newPage({
      baseURL: info.project.use.baseURL,
      javaScriptEnabled: info.project.use.javaScriptEnabled,
    });
    await signIn(tom, info, TECH);
    await open(tom, info, `/tickets/${id}`);
    await tom.getByRole("textbox", { name: "Your reply" }).fill("Which door is it?");
    await tom.getByRole("button", { name: "Send reply to Rob" }).click();
    await expect(tom.locator(".entry").filter({ hasText: "Which door is it?" })).toBeVisible();
    await open(tom, info, `/tickets/${id}`);
    await expect(tom.getByText("Nobody is on it yet.")).toBeVisible();
    await tom.close();
  } finally {
    await setAssignment(page, info, true);
  }
});
