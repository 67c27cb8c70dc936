-- Mail Deskside sends. A message is written here in the same transaction as what causes it (an
-- invitation, a reset link) or, for ticket notifications, in the same transaction as the
-- planner moves its cursor past the live event that caused it (the event itself is written
-- with the change). A sender task delivers what is due, with retries; nothing is lost when
-- SMTP is down or the process dies, and without SMTP configured the mail stays here for
-- admins to read.

create table mail_outbox (
    id integer primary key autoincrement,
    -- what kind of message: a notification kind, 'invitation', 'password_reset', 'test', ...
    kind text not null,
    ticket_id integer references ticket (id),
    -- the person it is for, when it is for an account
    account_id integer references account (id),
    to_address text not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    -- our Message-ID, without angle brackets; stays the same over every attempt
    message_id text not null unique,
    in_reply_to text,
    -- the References header's ids, space-separated, without angle brackets
    refs text,
    reply_to text,
    -- the one-click unsubscribe link (List-Unsubscribe), when the kind can be turned off
    unsubscribe_url text,
    -- the live event this message announces, so one event never mails one person twice
    source_event_id integer,
    -- a message carrying a secret (a sign-in link) is not shown to admins
    sensitive integer not null default 0 check (sensitive in (0, 1)),
    status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at text not null,
    -- the SMTP server's last answer, or why sending failed
    last_reply text,
    created_at text not null,
    updated_at text not null,
    sent_at text
);

create index mail_outbox_due on mail_outbox (status, next_attempt_at);
create index mail_outbox_ticket on mail_outbox (ticket_id);
create unique index mail_outbox_once on mail_outbox (source_event_id, to_address, kind)
    where source_event_id is not null;

-- How far a background reader has come through an append-only table (the planner through
-- live_event): moved in the same transaction as the work it did.
create table mail_cursor (
    name text primary key,
    last_id integer not null
);

-- Each ticket's mail thread: the token in its reply address (help+TOKEN@...) and the
-- Message-ID its first message had, which every later one refers to.
create table mail_thread (
    ticket_id integer primary key references ticket (id),
    reply_token text not null unique,
    root_message_id text not null,
    created_at text not null
);
