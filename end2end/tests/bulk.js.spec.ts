// The queue's bulk change says how many tickets it changed, with the noun agreeing with the
// count. The sentence is the answer to the page script's request; without JavaScript the queue
// comes back with the changes themselves (queue.spec.ts).
import { expect, test } from "@playwright/test";
import { TECH, fileRequest, open, signIn, unique } from "./support";

test("a bulk change says 'Changed 1 ticket.' for one and 'Changed 2 tickets.' for two", async ({ page }, info) => {
  const tag = unique("Plural", info);
  const subjects = [`${tag} first`, `${tag} second`];
  for (const subject of subjects) await fileRequest(info, subject, "low");
  await signIn(page, info, TECH);
  await open(page, info, `/tickets?q=${encodeURIComponent(tag)}`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const rows = page.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(2);
  const said = page.locator(".bulk-bar").getByRole("status");

  await rows.filter({ hasText: subjects[0] }).getByRole("checkbox").check();
  await page.getByLabel("With the selected tickets").selectOption({ label: "Assign to me" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(said).toHaveText("Changed 1 ticket.");
  // The queue reloads after a change, and its boxes come back unticked: tick after that.
  await expect(rows.filter({ hasText: subjects[0] })).toContainText("Tom Technician");

  for (const subject of subjects) await rows.filter({ hasText: subject }).getByRole("checkbox").check();
  await page.getByLabel("With the selected tickets").selectOption({ label: "Unassign" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(said).toHaveText("Changed 2 tickets.");
});
