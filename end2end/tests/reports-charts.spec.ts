// The dashboard's charts as a person sees them, and the names of its downloads.
import { expect, test } from "@playwright/test";
import { ACME_MANAGER, open, signIn } from "./support";

test("the new-and-resolved chart draws both series with a legend, its day labels apart", async ({ page }, info) => {
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/reports");
  const chart = page.getByRole("figure", { name: "New and resolved per day" });
  await expect(chart).toBeVisible();
  // The legend (hidden from screen readers, who get the table) names and shows both series.
  const legend = chart.locator("ul.legend li");
  await expect(legend).toHaveText(["New", "Resolved"]);
  for (const swatch of await chart.locator("ul.legend .swatch").all()) {
    await expect(swatch).toBeVisible();
    const box = await swatch.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(5);
  }
  const lines = chart.locator("polyline");
  await expect(lines).toHaveCount(2);
  for (const line of await lines.all()) {
    expect(await line.evaluate((el) => getComputedStyle(el).display)).not.toBe("none");
    expect(await line.evaluate((el) => getComputedStyle(el).stroke)).not.toBe("none");
  }
  // No two labels under the axis overlap, the last included, and all stay inside the chart.
  const boxes = await chart.locator("svg text.label").evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right };
    }),
  );
  expect(boxes.length).toBeGreaterThan(5);
  const svg = await chart.locator("svg").boundingBox();
  for (let i = 1; i < boxes.length; i++) {
    expect(boxes[i].left, `label ${i} clears label ${i - 1}`).toBeGreaterThan(boxes[i - 1].right);
  }
  expect(boxes[boxes.length - 1].right).toBeLessThanOrEqual((svg?.x ?? 0) + (svg?.width ?? 0) + 0.5);
});

test("the figures download is named after the organization", async ({ page }, info) => {
  await signIn(page, info, ACME_MANAGER);
  await open(page, info, "/reports");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the figures (CSV)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^workload-acme-dental-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
});
