-- Files attached to tickets. The bytes live under the data directory by content hash;
-- this row is the only place the name a person gave the file is kept.

create table attachment (
    id integer primary key,
    ticket_id integer not null references ticket (id),
    uploader_id integer not null references account (id),
    file_name text not null,
    content_type text not null,
    size integer not null check (size >= 0),
    sha256 text not null,
    internal integer not null default 0 check (internal in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index attachment_ticket on attachment (ticket_id, id);
