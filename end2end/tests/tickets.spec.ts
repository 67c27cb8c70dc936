// An employee files a request, a technician answers it with a reply and an internal note,
// the employee sees only the reply, resolves the ticket and rates it.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, TECH, fileRequest, jsEnabled, open, signIn, unique } from "./support";

/** One transparent pixel: a real PNG, small enough to inline. */
const PNG = [
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
  0x42, 0x60, 0x82,
];

/** Pastes `name` into the page as the clipboard would when someone presses Ctrl+V. */
async function paste(page: Page, name: string) {
  await page.evaluate(
    ({ bytes, name }) => {
      const file = new File([new Uint8Array(bytes)], name, { type: "image/png" });
      const clipboard = new DataTransfer();
      clipboard.items.add(file);
      document.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true }),
      );
    },
    { bytes: PNG, name },
  );
}

/** On the new request form: pasted with JavaScript, chosen in the file field without. */
async function attachToRequest(page: Page, info: TestInfo, name: string) {
  if (jsEnabled(info)) {
    await paste(page, name);
    await expect(page.getByRole("list", { name: "Files to send" })).toContainText(name);
  } else {
    await page.getByLabel("Attachments").setInputFiles({
      name,
      mimeType: "image/png",
      buffer: Buffer.from(PNG),
    });
  }
}

/** With JavaScript, pastes a screenshot as the clipboard would; without, uses the file field. */
async function attachScreenshot(page: Page, info: TestInfo) {
  if (jsEnabled(info)) {
    await page.evaluate((bytes) => {
      const file = new File([new Uint8Array(bytes)], "screenshot.png", { type: "image/png" });
      const clipboard = new DataTransfer();
      clipboard.items.add(file);
      document.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true }),
      );
    }, PNG);
  } else {
    await page.getByLabel("Attach files").setInputFiles({
      name: "screenshot.png",
      mimeType: "image/png",
      buffer: Buffer.from(PNG),
    });
    await page.getByRole("button", { name: "Upload" }).click();
  }
  await expect(page.getByRole("img", { name: "screenshot.png" })).toBeVisible();
}

async function openTicket(page: Page, info: TestInfo, subject: string) {
  await open(page, info, "/tickets");
  await page.getByRole("link", { name: subject }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
}

test("a request travels from employee to technician and back", async ({ page, browser }, info) => {
  const subject = unique("Printer offline", info);
  const note = `Firmware bug, see vendor case ${Date.now()}`;
  const employee = page;
  // A second person in a browser of their own, with the same settings as this project.
  const tech = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });

  // The employee files the request.
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, "/tickets/new");
  await employee.getByLabel("Subject").fill(subject);
  await employee.getByLabel("Category").selectOption("Printing");
  await employee.getByLabel("Urgency").selectOption("high");
  await employee.getByLabel("Description").fill("It says **offline** since this morning.");
  await attachToRequest(employee, info, "error-message.png");
  await employee.getByRole("button", { name: "Send request" }).click();
  await expect(employee.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(employee.locator(".description strong")).toHaveText("offline");
  await expect(employee.getByRole("img", { name: "error-message.png" })).toBeVisible();
  await attachScreenshot(employee, info);

  // A technician claims it, replies and keeps an internal note.
  await signIn(tech, info, TECH);
  await openTicket(tech, info, subject);
  await expect(tech.getByRole("img", { name: "screenshot.png" })).toBeVisible();
  await tech.getByRole("button", { name: "Assign to me" }).click();
  await expect(tech.getByText("Tom Technician is on it.")).toBeVisible();
  await tech.getByLabel("Your reply").fill("Please switch it off and on again.");
  await tech.getByRole("button", { name: "Send" }).click();
  await expect(tech.getByText("Please switch it off and on again.")).toBeVisible();
  await tech.getByLabel("Your reply").fill(note);
  await tech.getByLabel("Internal note").check();
  await tech.getByRole("button", { name: "Add internal note" }).click();
  await expect(tech.getByText(note)).toBeVisible();
  await expect(tech.locator(".entry.note")).toContainText("Internal");

  // The employee sees the reply, never the note, then resolves and rates.
  await open(employee, info, employee.url().replace(/^https?:\/\/[^/]+/, ""));
  await expect(employee.getByText("Please switch it off and on again.")).toBeVisible();
  await expect(employee.getByText("Tom Technician is on it.")).toBeVisible();
  await expect(employee.getByText(note)).toHaveCount(0);
  await expect(employee.getByText("Internal")).toHaveCount(0);
  await employee.getByRole("button", { name: "Mark as resolved" }).click();
  await expect(employee.locator(".ticket-head .badge")).toHaveText("Resolved");
  await employee.getByLabel("Good").check();
  await employee.getByLabel("Comment (optional)").fill("Quick, thanks!");
  await employee.getByRole("button", { name: "Send rating" }).click();
  await expect(employee.getByText("Rated: good")).toBeVisible();
});

test("a ticket waiting on its requester says so to each side", async ({ page, browser }, info) => {
  const subject = unique("VPN asks for a code", info);
  const id = await fileRequest(info, subject, "normal");

  await signIn(page, info, TECH);
  await open(page, info, `/tickets/${id}`);
  await page.getByLabel("Status").selectOption("pending");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator(".ticket-head .badge")).toHaveText("Waiting on requester");

  // The employee who filed it is the one it waits on.
  const employee = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(employee, info, ACME_REQUESTER);
  await open(employee, info, `/tickets?q=${encodeURIComponent(subject)}`);
  await expect(employee.locator("tr", { hasText: subject }).locator(".badge")).toHaveText("Waiting on you");
  await open(employee, info, `/tickets/${id}`);
  await expect(employee.locator(".ticket-head .badge")).toHaveText("Waiting on you");

  // Their manager sees whom it waits on.
  const manager = await browser.newPage({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled,
  });
  await signIn(manager, info, ACME_MANAGER);
  await open(manager, info, `/tickets?q=${encodeURIComponent(subject)}`);
  await expect(manager.locator("tr", { hasText: subject }).locator(".badge")).toHaveText("Waiting on requester");
});

test("a request with missing fields is explained next to each field", async ({ page }, info) => {
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");

  await page.getByLabel("Subject").fill("   ");
  await page.getByLabel("Description").fill("  ");
  // Blank text passes the browser's own `required` check; the server has the last word.
  await page.getByRole("button", { name: "Send request" }).click();

  await expect(page.locator("#ticket-subject-error")).toHaveText("Say in a few words what is wrong.");
  await expect(page.locator("#ticket-body-error")).toHaveText(
    "Describe the problem: what you did, what happened.",
  );
});

test("several files go with one request, with upload progress where JavaScript runs", async ({ page }, info) => {
  const subject = unique("Outlook crashes", info);
  await signIn(page, info, ACME_REQUESTER);
  await open(page, info, "/tickets/new");
  await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("Description").fill("On start, every time.");

  if (jsEnabled(info)) {
    // Pasted files wait in a list, where one can be taken out again.
    await paste(page, "first.png");
    await paste(page, "second.png");
    await paste(page, "third.png");
    await page.getByRole("button", { name: "Remove first.png" }).click();
    const files = page.getByRole("list", { name: "Files to send" });
    await expect(files).toContainText("second.png");
    await expect(files).not.toContainText("first.png");
    // Hold the answer back so the progress bar can be seen while the request is in flight.
    await page.route("**/tickets/new", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.getByRole("button", { name: "Send request" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Sending…" })).toBeVisible();
  } else {
    await page.getByLabel("Attachments").setInputFiles(
      ["second.png", "third.png"].map((name) => ({
        name,
        mimeType: "image/png",
        buffer: Buffer.from(PNG),
      })),
    );
    await page.getByRole("button", { name: "Send request" }).click();
  }

  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(page.getByRole("img", { name: "second.png" })).toBeVisible();
  await expect(page.getByRole("img", { name: "third.png" })).toBeVisible();
  await expect(page.getByRole("img", { name: "first.png" })).toHaveCount(0);
});
