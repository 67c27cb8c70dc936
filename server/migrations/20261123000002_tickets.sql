-- Tickets, their conversation, and the append-only log that is their history.

-- A client org may let colleagues see each other's tickets.
alter table org add column share_tickets integer not null default 0 check (share_tickets in (0, 1));

create table category (
    id integer primary key,
    org_id integer not null references org (id),
    name text not null,
    name_key text not null,
    position integer not null default 0,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (org_id, name_key)
);

-- Every existing client organization starts with the default categories.
insert into category (org_id, name, name_key, position)
select o.id, d.name, lower(d.name), d.position
from org o
cross join (
    select 'Account & password' as name, 1 as position union all
    select 'Hardware', 2 union all
    select 'Software', 3 union all
    select 'Network & Wi-Fi', 4 union all
    select 'Email', 5 union all
    select 'Printing', 6 union all
    select 'Access request', 7 union all
    select 'Other', 8
) d
where o.kind = 'client';

create table ticket (
    -- autoincrement: a ticket's number is never reused, even after a delete
    id integer primary key autoincrement,
    org_id integer not null references org (id),
    requester_id integer not null references account (id),
    assignee_id integer references account (id),
    category_id integer not null references category (id),
    subject text not null,
    body text not null,
    status text not null check (status in ('new', 'open', 'pending', 'resolved', 'closed')),
    priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
    first_responded_at text,
    resolved_at text,
    closed_at text,
    rating text check (rating in ('good', 'bad')),
    rating_comment text,
    last_activity_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Ticket numbers start at 1001 so they read as numbers, not as counts.
insert into sqlite_sequence (name, seq) values ('ticket', 1000);

create index ticket_org_activity on ticket (org_id, last_activity_at desc);
create index ticket_requester_activity on ticket (requester_id, last_activity_at desc);
create index ticket_assignee_status on ticket (assignee_id, status);
create index ticket_status_activity on ticket (status, last_activity_at desc);

create table ticket_comment (
    id integer primary key,
    ticket_id integer not null references ticket (id),
    author_id integer not null references account (id),
    body text not null,
    internal integer not null default 0 check (internal in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index ticket_comment_ticket on ticket_comment (ticket_id, id);

create table ticket_event (
    id integer primary key,
    ticket_id integer not null references ticket (id),
    actor_id integer references account (id),
    kind text not null,
    old_value text,
    new_value text,
    comment_id integer references ticket_comment (id),
    internal integer not null default 0 check (internal in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index ticket_event_ticket on ticket_event (ticket_id, id);

create trigger ticket_event_append_only_update before update on ticket_event
begin
    select raise(abort, 'ticket_event is append-only');
end;

create trigger ticket_event_append_only_delete before delete on ticket_event
begin
    select raise(abort, 'ticket_event is append-only');
end;
