-- API tokens expire and carry a scope; a password change can end every session signed in
-- before it.
--
-- Tokens that exist already keep working: they are read-write, as they have always been,
-- and expire 90 days from the day this migration runs (the default for new tokens), so no
-- script stops without warning today and none lives on forever.

-- SQLite cannot add a column that is "not null" without a constant default, so the table is
-- rebuilt. Nothing references api_token, so dropping the old table touches no other row.
create table api_token_new (
    id integer primary key,
    account_id integer not null references account (id) on delete cascade,
    name text not null,
    -- SHA-256 of the secret; the secret itself is never stored
    token_hash text not null unique,
    -- read_only tokens may only make GET and HEAD requests
    scope text not null default 'read_write' check (scope in ('read_only', 'read_write')),
    -- the token is refused from this moment on
    expires_at text not null,
    last_used_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

insert into api_token_new
    (id, account_id, name, token_hash, scope, expires_at, last_used_at, created_at, updated_at)
select id, account_id, name, token_hash, 'read_write',
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days'), last_used_at, created_at, updated_at
from api_token;

drop table api_token;
alter table api_token_new rename to api_token;
create index api_token_account on api_token (account_id);

-- Bumped by every password change. A session remembers the value it was signed in at; a
-- session holding an older value is ended at its next request.
alter table account add column session_epoch integer not null default 0;
