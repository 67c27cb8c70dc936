-- Canned replies: the provider's answers, written once and inserted into any ticket.
create table canned_reply (
    id integer primary key,
    title text not null,
    title_key text not null unique,
    body text not null,
    created_by integer not null references account (id),
    updated_by integer not null references account (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
