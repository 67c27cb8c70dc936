// A request being typed survives reading a suggested article (it opens in a panel beside the
// form) and leaving the page and coming back; on a phone the suggestions come before "Send
// request". Suggestions need JavaScript, so the no-js project skips this file.
import { expect, test, type Page } from "@playwright/test";
import { ACME_REQUESTER, open, signIn, unique } from "./support";

/** One transparent pixel. */
const PNG = [
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
  0x42, 0x60, 0x82,
];

async function paste(page: Page, name: string) {
  await page.evaluate(
    ({ bytes, name }) => {
      const file = new File([new Uint8Array(bytes)], name, { type: "image/png" });
      const clipboard = new DataTransfer();
      clipboard.items.add(file);
      document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true }));
    },
    { bytes: PNG, name },
  );
}

test("a suggested article opens beside the request, which keeps everything typed and pasted", async ({ page }, info) => {
  const subject = unique("Printer offline", info);
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").pressSequentially(subject);
  await page.getByLabel("Description").fill("The printer on the 2nd floor says offline.");
  await page.getByLabel("Urgency").selectOption({ label: "High" });
  await paste(page, "panel.png");
  const files = page.getByRole("list", { name: "Files to send" });
  await expect(files).toContainText("panel.png");

  const suggestions = page.getByRole("complementary", { name: "Might one of these help?" });
  await suggestions.getByRole("link", { name: "Printer shows offline" }).click();
  const panel = suggestions.getByRole("region", { name: "Printer shows offline" });
  await expect(panel.getByText("Use printer offline")).toBeVisible();
  await expect(panel.getByRole("link", { name: "Open in a new tab" })).toHaveAttribute("target", "_blank");
  await expect(page).toHaveURL(/\/tickets\/new$/);

  await panel.getByRole("button", { name: "Back to my request" }).click();
  await expect(panel).toHaveCount(0);
  await expect(page.getByLabel("Subject")).toHaveValue(subject);
  await expect(page.getByLabel("Description")).toHaveValue("The printer on the 2nd floor says offline.");
  await expect(page.getByLabel("Urgency")).toHaveValue("high");
  await expect(files).toContainText("panel.png");
});

test("leaving New request and coming back gives back what was typed; sending forgets it", async ({ page }, info) => {
  const subject = unique("VPN drops", info);
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("Description").fill("It drops every hour.");
  await page.getByLabel("Urgency").selectOption({ label: "Low" });

  await open(page, info, "/wiki/printer-offline?from=request");
  await open(page, info, "/tickets/new");
  await expect(page.getByLabel("Subject")).toHaveValue(subject);
  await expect(page.getByLabel("Description")).toHaveValue("It drops every hour.");
  await expect(page.getByLabel("Urgency")).toHaveValue("low");

  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  await open(page, info, "/tickets/new");
  await expect(page.getByLabel("Subject")).toHaveValue("");
});

test("on a phone the suggestions are above Send request", async ({ page }, info) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").pressSequentially("printer offline");
  const suggestions = page.getByRole("complementary", { name: "Might one of these help?" });
  await expect(suggestions.getByRole("link", { name: "Printer shows offline" })).toBeVisible();
  const box = await suggestions.boundingBox();
  const send = await page.getByRole("button", { name: "Send request" }).boundingBox();
  expect(box!.y + box!.height).toBeLessThanOrEqual(send!.y);
  const description = await page.getByLabel("Description").boundingBox();
  expect(box!.y).toBeGreaterThan(description!.y);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test("the form the server sends back after a plain post hydrates with what was typed", async ({ page }, info) => {
  // As when the form is sent before the WebAssembly has loaded: a plain post, then a page
  // rendered from it that the WebAssembly takes over.
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").fill("   ");
  await page.getByLabel("Description").fill("Sent before the page was ready.");
  await page.locator("form#new-request").evaluate((form: HTMLFormElement) => form.submit());

  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText("Say in a few words what is wrong.").first()).toBeVisible();
  await expect(page.getByLabel("Description")).toHaveValue("Sent before the page was ready.");
  // Hydrated, the form sends in the background and files the request.
  const subject = unique("Screen flickers", info);
  await page.getByLabel("Subject").fill(subject);
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(page.getByText("Sent before the page was ready.")).toBeVisible();
  expect(errors).toEqual([]);
});
