// Email both ways, end to end through real mail servers (playwright.config.ts starts them): an
// employee who never opens the portal asks by mail and is answered by mail. JavaScript only (the
// no-js project ignores this file): the technician watches the live queue.
import { expect, test } from "@playwright/test";
import { ACME_REQUESTER, TECH, closePeople, open, person, unique } from "./support";
import { HELP_DESK, firstAddress, ids, inbox, readable, sendMail, waitForMail } from "./mailbox";

test.afterEach(closePeople);

test("an emailed request is answered in the browser and the answer's reply by mail lands on the ticket", async ({ browser }, info) => {
  const tag = unique("Mailed", info);
  const subject = `${tag} scanner sends blank pages`;
  const note = `Internal: the scanner's lamp is dying, order part ${Date.now()}`;
  const answer = `Please clean the glass and scan again ${Date.now()}.`;
  const thanks = `Cleaning the glass fixed it, thank you ${Date.now()}!`;

  // The technician watches the queue.
  const tom = await person(browser, info, TECH);
  await open(tom, info, `/tickets?q=${encodeURIComponent(tag)}`);
  await expect(tom.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  // The employee writes to the help desk from their own mail client.
  await sendMail({
    from: `Rob Requester <${ACME_REQUESTER}>`,
    to: HELP_DESK,
    subject,
    text: "Every page comes out blank since this morning.\n\n-- \nRob, Acme front desk",
  });

  // The ticket appears in the open queue without a reload.
  const row = tom.locator("table.queue tbody tr").filter({ hasText: subject });
  await expect(row).toBeVisible({ timeout: 20_000 });
  await row.getByRole("link", { name: subject }).click();
  await expect(tom.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(tom.locator(".description")).toContainText("Every page comes out blank since this morning.");
  // The signature is trimmed off.
  await expect(tom.locator(".description")).not.toContainText("Acme front desk");
  const id = Number(new URL(tom.url()).pathname.split("/").pop());
  expect(id).toBeGreaterThan(0);

  // An internal note first, then the public reply, both in the browser.
  await tom.getByLabel("Your reply").fill(note);
  await tom.getByLabel("Internal note").check();
  await tom.getByRole("button", { name: "Add internal note" }).click();
  await expect(tom.locator(".entry.note").filter({ hasText: note })).toBeVisible();
  // The live stream can show the note before the send's own answer, which then empties the
  // box: wait for that, or the reply typed next is wiped.
  await expect(tom.getByLabel("Your reply")).toHaveValue("");
  await tom.getByLabel("Your reply").fill(answer);
  await tom.getByRole("button", { name: "Send" }).click();
  await expect(tom.locator(".entry.comment").filter({ hasText: answer })).toBeVisible();

  // The reply reaches the employee's mailbox, threaded with the rest of the ticket's mail.
  const tagged = `[#${id}]`;
  const reply = await waitForMail(ACME_REQUESTER, `the reply on #${id}`, (m) =>
    (m.subject ?? "").includes(tagged) && (m.text ?? "").includes(answer),
  );
  const receipt = await waitForMail(ACME_REQUESTER, `the receipt of #${id}`, (m) =>
    (m.subject ?? "").includes(tagged) && (m.subject ?? "").includes("Request received"),
  );
  expect(reply.subject).toContain(subject);
  expect(reply.from?.text).toContain(HELP_DESK);
  expect(reply.headers.get("auto-submitted")).toBe("auto-generated");
  expect(reply.html || "").toContain(answer);
  // One thread: the receipt opens it (or names its root), and the reply answers that root.
  const root = receipt.inReplyTo ?? receipt.messageId;
  expect(root).toBeTruthy();
  expect(reply.inReplyTo).toBe(root);
  expect(ids(reply.references)).toContain(root);
  expect(reply.messageId).not.toBe(root);
  // Answers go to the help desk's address with the ticket's token in it.
  const replyTo = firstAddress(reply.replyTo);
  expect(replyTo).toMatch(/^help\+[^@]+@example\.com$/);
  expect(readable(reply)).toContain(`/tickets/${id}`);

  // The employee answers that message as a mail client does: quoting it below their words.
  const quoted = (reply.text ?? "").split("\n").map((line) => `> ${line}`).join("\n");
  await sendMail({
    from: `Rob Requester <${ACME_REQUESTER}>`,
    to: replyTo,
    subject: `Re: ${reply.subject}`,
    inReplyTo: reply.messageId,
    references: [...ids(reply.references), reply.messageId as string],
    text: `${thanks}\n\nOn a weekday, IT Help <${HELP_DESK}> wrote:\n${quoted}\n`,
  });

  // It appears on the technician's open ticket page, as the employee's reply, without a reload;
  // the quoted history stays out of it.
  const answered = tom.locator(".entry.comment").filter({ hasText: thanks });
  await expect(answered).toBeVisible({ timeout: 20_000 });
  await expect(answered).toContainText("Rob Requester replied");
  await expect(answered).not.toContainText(answer);
  await expect(tom.locator(".entry.comment").filter({ hasText: answer })).toHaveCount(1);
  // The first message filed the ticket; its answer did not file another.
  await open(tom, info, `/tickets?q=${encodeURIComponent(tag)}`);
  await expect(tom.locator("table.queue tbody tr")).toHaveCount(1);

  // Nothing of the internal note ever reached the employee, in any message about the ticket.
  const mail = (await inbox(ACME_REQUESTER)).filter((m) => (m.subject ?? "").includes(tagged));
  expect(mail.length).toBeGreaterThanOrEqual(2);
  for (const message of mail) {
    expect(readable(message)).not.toContain(note);
    expect(readable(message)).not.toContain("lamp is dying");
  }
});
