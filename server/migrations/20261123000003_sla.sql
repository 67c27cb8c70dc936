-- Service levels: business hours per client organization, targets per organization and
-- priority, and the due times each ticket carries.

create table business_hours (
    org_id integer primary key references org (id),
    time_zone text not null,
    -- comma-separated three-letter days, Monday first, e.g. 'mon,tue,wed,thu,fri'
    weekdays text not null,
    start_minute integer not null check (start_minute >= 0 and start_minute < 1440),
    end_minute integer not null check (end_minute > start_minute and end_minute <= 1440),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table sla_policy (
    id integer primary key,
    org_id integer not null references org (id),
    priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
    -- business minutes
    first_response_minutes integer not null check (first_response_minutes > 0),
    resolution_minutes integer not null check (resolution_minutes > 0),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (org_id, priority)
);

insert into business_hours (org_id, time_zone, weekdays, start_minute, end_minute)
select id, 'UTC', 'mon,tue,wed,thu,fri', 540, 1020 from org where kind = 'client';

insert into sla_policy (org_id, priority, first_response_minutes, resolution_minutes)
select o.id, d.priority, d.first_response, d.resolution
from org o
cross join (
    select 'urgent' as priority, 60 as first_response, 240 as resolution union all
    select 'high', 240, 960 union all
    select 'normal', 480, 2400 union all
    select 'low', 960, 4800
) d
where o.kind = 'client';

alter table ticket add column first_response_due_at text;
alter table ticket add column resolution_due_at text;

create index ticket_first_response_due on ticket (first_response_due_at) where first_responded_at is null;
create index ticket_resolution_due on ticket (resolution_due_at) where resolved_at is null;
