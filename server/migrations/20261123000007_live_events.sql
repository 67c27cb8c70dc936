-- The live stream's events, written in the same transaction as the change they announce, so
-- the stream never carries what the database does not hold and a reconnecting client can be
-- sent exactly what it missed. Who may receive an event is decided from the ticket's audience
-- as it was when the change was made.

create table live_event (
    id integer primary key autoincrement,
    kind text not null,
    ticket_id integer references ticket (id),
    org_id integer references org (id),
    requester_id integer references account (id),
    org_shares integer not null default 0 check (org_shares in (0, 1)),
    -- internal notes and files: provider staff only
    internal integer not null default 0 check (internal in (0, 1)),
    actor_id integer references account (id),
    -- small JSON details the client shows (new status, assignee id, subject)
    data text not null default '{}',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
