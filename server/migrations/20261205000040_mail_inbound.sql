-- Mail Deskside reads from its mailboxes. Every message read gets one row, keyed by its
-- Message-ID (or a hash of the raw message when it has none), written in the same transaction
-- as the ticket or reply it became; the message is marked seen on the server only after that
-- commit. So a message read again after a crash finds its row and files nothing twice.

create table mail_inbound (
    id integer primary key autoincrement,
    -- the mailbox it was read from, as configured (without password)
    mailbox text not null,
    -- '<message-id>' lowercased, or 'sha256:<hex>' of the raw message
    dedupe_key text not null unique,
    message_id text,
    from_address text not null default '',
    from_name text not null default '',
    subject text not null default '',
    -- filed: a new ticket; replied: a reply on a ticket; ignored: an auto-reply, bounce, list
    -- mail or our own (never answered); held: waiting for an admin; rejected: an admin said
    -- no; problem: could not be read (broken, too big)
    outcome text not null
        check (outcome in ('filed', 'replied', 'ignored', 'held', 'rejected', 'problem')),
    -- why it was ignored, held or a problem
    reason text,
    -- something worth an admin's eye about a message that was filed all the same (script in
    -- its HTML, attachments left out)
    problem text,
    ticket_id integer references ticket (id),
    -- a held message's raw bytes, so accepting it can file it; cleared once decided
    raw blob,
    received_at text not null,
    updated_at text not null
);

create index mail_inbound_outcome on mail_inbound (outcome, id);
-- the per-sender rate limit counts a sender's new tickets of the last hour
create index mail_inbound_sender on mail_inbound (from_address, received_at);

-- Mail domains of a client organization: unknown senders from them become requesters there.
create table mail_org_domain (
    domain text primary key,
    org_id integer not null references org (id) on delete cascade,
    created_at text not null
);

create index mail_org_domain_org on mail_org_domain (org_id);

-- Each mailbox's last success and last error, for the Mail page.
create table mail_mailbox_status (
    mailbox text primary key,
    last_success_at text,
    last_error text,
    last_error_at text,
    updated_at text not null
);
