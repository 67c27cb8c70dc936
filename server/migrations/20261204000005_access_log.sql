-- The access log a client organization reads: every time provider staff open one of its
-- tickets, downloads one of its files or read a report covering it.

create table access_log (
    id integer primary key,
    -- the client organization whose data was opened
    org_id integer not null references org (id),
    -- the provider staff member who opened it (accounts are deactivated, never deleted)
    user_id integer not null references account (id),
    kind text not null check (kind in ('ticket', 'attachment', 'report')),
    -- what was opened, as a stable key ('ticket:12', 'attachment:5', 'report:workload:...')
    -- and as people read it, taken when it was opened: a later change of subject or a file
    -- removed does not rewrite what the log says was seen
    object_key text not null,
    object text not null,
    -- the ticket the object belongs to, for a link; none for reports
    ticket_id integer,
    via text not null check (via in ('page', 'api')),
    -- opens of the same object by the same person the same way within one ten-minute window
    -- (unix time / 600) are one entry with a count
    bucket integer not null,
    count integer not null default 1 check (count >= 1),
    first_at text not null,
    last_at text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (org_id, user_id, kind, object_key, via, bucket)
);

-- An organization's log, newest first, by page; and filtered by person.
create index access_log_org on access_log (org_id, id);
create index access_log_org_user on access_log (org_id, user_id, id);
