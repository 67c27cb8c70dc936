-- Links sent by mail that let a person set their own password: an invitation (a new
-- account's first password) or a password reset (a forgotten one). Only a SHA-256 of the
-- link's secret is kept; a link works once (`used_at`) and until `expires_at`.
--
-- An account invited and not yet accepted has the empty password hash: no password matches
-- it, so it cannot sign in until its person chooses one through the invitation. (SQLite
-- cannot drop `not null` from a referenced table's column without rebuilding every table
-- that refers to it; the empty hash says the same without that.)

create table account_link (
    id integer primary key,
    account_id integer not null references account (id) on delete cascade,
    purpose text not null check (purpose in ('invitation', 'password_reset')),
    token_hash text not null unique,
    expires_at text not null,
    used_at text,
    created_at text not null
);

create index account_link_account on account_link (account_id, purpose);
