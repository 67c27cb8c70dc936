// A running timer shows in the header of every page once started on a ticket (issue #22): a
// link back to its ticket with the time run so far, and Stop. Timers are kept by the server,
// so this holds with JavaScript on and off.
import { expect, test } from "@playwright/test";
import { fileRequest, open, signIn, unique } from "./support";

/** The second technician: no other spec runs a timer as her. */
const TIA = "tia@provider.example";

test("a timer started on a ticket shows in every page's header, leads back to it and stops there", async ({ page }, info) => {
  const subject = unique("Docking station stays dark", info);
  const id = await fileRequest(info, subject, "normal");
  await signIn(page, info, TIA);
  const timer = page.getByRole("banner").getByRole("group", { name: "Running timer" });
  const link = timer.getByRole("link", { name: new RegExp(`^Timer running on #${id} \\d+:\\d\\d$`) });

  await open(page, info, `/tickets/${id}`);
  const time = page.getByRole("region", { name: "Time" });
  // Starting here stops (and logs) a timer left running elsewhere.
  await time.getByRole("button", { name: "Start timer" }).click();
  await expect(link).toBeVisible();

  for (const path of ["/wiki", "/reports", "/tickets", "/canned-replies"]) {
    await open(page, info, path);
    await expect(link).toBeVisible();
    await expect(link).toHaveAttribute("href", `/tickets/${id}`);
  }
  // At 1280 px the header stays one row with the timer in it.
  await page.setViewportSize({ width: 1280, height: 800 });
  const header = page.getByRole("banner");
  const [brand, stop] = [await header.getByRole("link", { name: "Deskside" }).boundingBox(), await timer.getByRole("button", { name: "Stop" }).boundingBox()];
  expect(Math.abs(brand!.y + brand!.height / 2 - (stop!.y + stop!.height / 2))).toBeLessThan(8);

  await link.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await open(page, info, "/wiki");
  await timer.getByRole("button", { name: "Stop" }).click();
  await expect(timer).toHaveCount(0);

  // Stopping logged the time on the ticket, and its page offers a new start.
  await open(page, info, `/tickets/${id}`);
  await expect(time).toContainText("Logged: 1 min");
  await expect(time.getByRole("button", { name: "Start timer" })).toBeVisible();
  await expect(timer).toHaveCount(0);
});
