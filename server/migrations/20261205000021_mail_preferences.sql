-- Who gets which notification by mail. A person's switch per kind is stored only once they
-- change it; until then the defaults of their role apply (app::mail::preferences).

create table mail_preference (
    account_id integer not null references account (id),
    -- a notification kind: request_received, public_reply, ..., digest
    kind text not null,
    enabled integer not null check (enabled in (0, 1)),
    updated_at text not null,
    primary key (account_id, kind)
);

-- The rest of a person's mail settings: whether they also hear about colleagues' tickets
-- their organization shares, and how often a manager's digest comes.
create table mail_profile (
    account_id integer primary key references account (id),
    colleagues integer not null default 0 check (colleagues in (0, 1)),
    digest_frequency text not null default 'weekly' check (digest_frequency in ('daily', 'weekly')),
    updated_at text not null
);

-- One-click unsubscribe links: a random 128-bit token naming (person, kind), so the link
-- turns that kind off without signing in and cannot be guessed.
create table mail_unsubscribe (
    token text primary key,
    account_id integer not null references account (id),
    kind text not null,
    created_at text not null,
    unique (account_id, kind)
);

-- Which new tickets mail the provider's staff: 'all', 'urgent' (urgent ones only) or 'none'.
-- Urgent only by default, so a burst of filed tickets does not flood every technician.
alter table site_setting add column notify_new_ticket text not null default 'urgent'
    check (notify_new_ticket in ('all', 'urgent', 'none'));

-- An SLA target about to be missed is announced once, like a missed one.
alter table ticket add column first_response_warning_announced_at text;
alter table ticket add column resolution_warning_announced_at text;

-- The planner starts at the events that exist when mail arrives: an installation upgraded to
-- this version is not mailed its whole history.
insert into mail_cursor (name, last_id)
select 'notify', coalesce(max(id), 0) from live_event where true
on conflict (name) do nothing;
