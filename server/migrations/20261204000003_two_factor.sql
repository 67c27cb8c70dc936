-- Two-factor sign-in (TOTP authenticator apps with one-time recovery codes) and the settings
-- that hold for the whole installation, such as requiring it of the provider's staff.

-- One authenticator per account. The secret is kept as base32 text: the server must read it
-- back to check codes. A row with `enabled_at` null is a setup not yet confirmed with a code.
create table two_factor (
    account_id integer primary key references account (id) on delete cascade,
    secret text not null,
    enabled_at text,
    -- the last time step a code was accepted for, so no code counts twice
    last_step integer,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table recovery_code (
    id integer primary key,
    account_id integer not null references account (id) on delete cascade,
    -- SHA-256 of the code (80 random bits); the code itself is shown once and never stored
    code_hash text not null,
    used_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index recovery_code_account on recovery_code (account_id, code_hash);

-- Exactly one row: settings of the installation rather than of one organization.
create table site_setting (
    id integer primary key check (id = 1),
    require_staff_two_factor integer not null default 0 check (require_staff_two_factor in (0, 1)),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

insert into site_setting (id) values (1);
