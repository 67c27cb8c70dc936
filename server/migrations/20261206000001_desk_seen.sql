-- How far each member of the provider's staff has read what changed on their tickets (issue
-- #17): the home page lists others' events after `event_id`, until they mark them seen again.
create table desk_seen (
    account_id integer primary key references account (id) on delete cascade,
    event_id integer not null,
    seen_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
