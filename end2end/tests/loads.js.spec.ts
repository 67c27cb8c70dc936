// Each page's data arrives once, inside the server-rendered HTML: hydration must pick it up
// rather than ask the server again. A resource built in a different place in the browser than
// on the server (say, inside the sign-in guard's Suspend) fetches its data a second time.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { ACME_MANAGER, ACME_REQUESTER, TECH, fileRequest, open, signIn } from "./support";

/** The server functions the browser calls while `path` loads and hydrates. */
async function serverCallsWhileOpening(page: Page, info: TestInfo, path: string): Promise<string[]> {
  const calls: string[] = [];
  const record = (url: string) => {
    const { pathname } = new URL(url);
    // Server functions live under /api/ beside the REST API (/api/v1/), which the live stream
    // and presence heartbeats use on purpose.
    if (pathname.startsWith("/api/") && !pathname.startsWith("/api/v1/")) calls.push(pathname);
  };
  page.on("request", (request) => record(request.url()));
  await open(page, info, path);
  // Anything hydration would fetch again starts at once; give it time to show.
  await page.waitForTimeout(500);
  page.removeAllListeners("request");
  return calls;
}

const PAGES: [string, string | ((ticket: number) => string)][] = [
  [TECH, (ticket) => `/tickets/${ticket}`],
  [ACME_REQUESTER, (ticket) => `/tickets/${ticket}`],
  [TECH, "/tickets"],
  [ACME_REQUESTER, "/tickets"],
  [ACME_MANAGER, "/reports"],
  [ACME_REQUESTER, "/wiki"],
  [ACME_REQUESTER, "/wiki/printer-offline"],
  [TECH, "/canned-replies"],
  [ACME_MANAGER, "/settings"],
];

test("a hydrated page asks the server for none of the data it was rendered with", async ({ page }, info) => {
  const ticket = await fileRequest(info, "Hydration check", "low");
  for (const [who, where] of PAGES) {
    const path = typeof where === "string" ? where : where(ticket);
    await page.context().clearCookies();
    await signIn(page, info, who);
    const calls = await serverCallsWhileOpening(page, info, path);
    expect(calls, `${path} as ${who}`).toEqual([]);
  }
});
