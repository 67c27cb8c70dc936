-- The technicians' queue: full-text search over tickets and their conversation, saved views,
-- and indexes for the queue's filters.

-- One row per ticket (rowid = ticket id). Internal notes are a column of their own, so a
-- search by the client's people can leave them out with a column filter. Porter stemming lets
-- "printer" find "printing".
create virtual table ticket_search using fts5 (
    subject,
    body,
    replies,
    notes,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

insert into ticket_search (rowid, subject, body, replies, notes)
select
    t.id,
    t.subject,
    t.body,
    coalesce((select group_concat(c.body, char(10)) from ticket_comment c
              where c.ticket_id = t.id and c.internal = 0), ''),
    coalesce((select group_concat(c.body, char(10)) from ticket_comment c
              where c.ticket_id = t.id and c.internal = 1), '')
from ticket t;

create trigger ticket_search_insert after insert on ticket
begin
    insert into ticket_search (rowid, subject, body, replies, notes)
    values (new.id, new.subject, new.body, '', '');
end;

create trigger ticket_search_update after update of subject, body on ticket
begin
    update ticket_search set subject = new.subject, body = new.body where rowid = new.id;
end;

create trigger ticket_search_reply after insert on ticket_comment when new.internal = 0
begin
    update ticket_search set replies = replies || char(10) || new.body
    where rowid = new.ticket_id;
end;

create trigger ticket_search_note after insert on ticket_comment when new.internal = 1
begin
    update ticket_search set notes = notes || char(10) || new.body
    where rowid = new.ticket_id;
end;

-- A technician's named filter of the queue, kept as its query string.
create table saved_view (
    id integer primary key,
    account_id integer not null references account (id),
    name text not null,
    name_key text not null,
    query text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (account_id, name_key)
);

-- The queue's default order across every status, and paging through it.
create index ticket_activity on ticket (last_activity_at desc, id desc);
create index ticket_status_priority on ticket (status, priority);
create index ticket_status_due on ticket (status, resolution_due_at);
create index ticket_category on ticket (category_id);
