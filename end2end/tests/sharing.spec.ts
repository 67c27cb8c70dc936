// With sharing on, a colleague opens an employee's ticket to read it: no reply box, no
// resolve or rate buttons, and a line saying who can answer.
import { expect, request, test } from "@playwright/test";
import { ADMIN, PASSWORD, fileRequest, open, signIn, unique } from "./support";

test("a colleague reads a shared ticket and is offered nothing to change it", async ({ page }, info) => {
  const api = await request.newContext({ baseURL: info.project.use.baseURL });
  expect((await api.post("/api/v1/auth/login", { data: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const orgs = await (await api.get("/api/v1/orgs")).json();
  const acme = orgs.find((o: { name: string }) => o.name === "Acme Dental").id;
  expect((await api.patch(`/api/v1/orgs/${acme}/settings`, { data: { share_tickets: true } })).ok()).toBeTruthy();
  await api.dispose();
  const subject = unique("Shared scanner", info);
  const id = await fileRequest(info, subject, "normal");

  await signIn(page, info, "rita@acme.example");
  await open(page, info, `/tickets/${id}`);

  await expect(page.getByRole("heading", { name: `#${id} ${subject}` })).toBeVisible();
  await expect(page.getByText("This ticket is shared with you to read;")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Mark as resolved" })).toHaveCount(0);
});
