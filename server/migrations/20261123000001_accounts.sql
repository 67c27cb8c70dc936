-- Organizations, the people in them, and their personal API tokens.
-- Timestamps are UTC RFC 3339 text; booleans are 0/1.

create table org (
    id integer primary key,
    name text not null,
    -- lowercased name: unique regardless of case, portable (no collations)
    name_key text not null unique,
    kind text not null check (kind in ('provider', 'client')),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- There is exactly one provider, and it exists from the first start.
create unique index org_one_provider on org (kind) where kind = 'provider';
insert into org (name, name_key, kind) values ('IT Provider', 'it provider', 'provider');

-- "account" rather than "user": user is reserved in PostgreSQL.
create table account (
    id integer primary key,
    org_id integer not null references org (id),
    role text not null check (role in ('requester', 'manager', 'technician', 'admin')),
    email text not null unique,
    name text not null,
    password_hash text not null,
    active integer not null default 1 check (active in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index account_org on account (org_id, name);

create table api_token (
    id integer primary key,
    account_id integer not null references account (id) on delete cascade,
    name text not null,
    -- SHA-256 of the secret; the secret itself is never stored
    token_hash text not null unique,
    last_used_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index api_token_account on api_token (account_id);
