// The queue with JavaScript: keyboard control, and changes by others appearing without a
// reload. The no-js project ignores this file (its name ends in live.spec.ts).
import { expect, test } from "@playwright/test";
import { TECH, closePeople, fileRequest, open, person, unique } from "./support";

test.afterEach(closePeople);

test("j, k, a and / work the queue from the keyboard", async ({ browser }, info) => {
  const older = unique("Keyboard older", info);
  const newer = unique("Keyboard newer", info);
  await fileRequest(info, older, "normal");
  await fileRequest(info, newer, "normal");
  const tom = await person(browser, info, TECH);
  await open(tom, info, `/tickets?assignee=none&q=Keyboard+${encodeURIComponent(info.project.name)}`);
  const rows = tom.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(2);

  await expect(rows.nth(0)).toHaveClass(/current/);
  await tom.keyboard.press("j");
  await expect(rows.nth(1)).toHaveClass(/current/);
  await tom.keyboard.press("k");
  await expect(rows.nth(0)).toHaveClass(/current/);
  await tom.keyboard.press("a");
  // Claimed: it leaves the unassigned list by itself.
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(older);

  await tom.keyboard.press("/");
  await expect(tom.getByLabel("Search", { exact: true })).toBeFocused();
  await tom.getByLabel("Search", { exact: true }).blur();
  await tom.keyboard.press("Enter");
  await expect(tom.getByRole("heading", { level: 1 })).toContainText(older);
});

test("a claim and a new ticket appear in a second technician's queue without reload", async ({ browser }, info) => {
  const tag = unique("Live queue", info);
  const tom = await person(browser, info, TECH);
  const tia = await person(browser, info, "tia@provider.example");
  await open(tia, info, `/tickets?q=${encodeURIComponent(tag)}`);
  await expect(tia.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  const subject = `${tag} scanner`;
  await fileRequest(info, subject, "high");
  const row = tia.locator("table.queue tbody tr").filter({ hasText: subject });
  await expect(row).toBeVisible();
  await expect(row).toContainText("—");

  await open(tom, info, `/tickets?q=${encodeURIComponent(tag)}`);
  await tom.locator("table.queue tbody tr").filter({ hasText: subject }).getByRole("checkbox").check();
  await tom.getByLabel("With the selected tickets").selectOption({ label: "Assign to me" });
  await tom.getByRole("button", { name: "Apply" }).click();

  await expect(row).toContainText("Tom Technician");
});
