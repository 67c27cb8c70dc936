-- Workload: time logged on tickets, technicians' running timers, each client's contract, and
-- what the reports need to read their figures by range scans rather than whole-table scans.

create table time_entry (
    id integer primary key,
    ticket_id integer not null references ticket (id),
    -- the ticket's organization, copied (tickets never change org) so reports and invoices
    -- read time without joining tickets
    org_id integer not null references org (id),
    user_id integer not null references account (id),
    minutes integer not null check (minutes between 1 and 1440),
    note text not null default '',
    billable integer not null default 1 check (billable in (0, 1)),
    -- the day the work was done, 'YYYY-MM-DD'
    work_date text not null,
    -- 'YYYY-MM' once invoiced; a billed entry is locked
    billed_month text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Reports and invoices by org and day; covering, so the sums never visit the table.
create index time_entry_org_date on time_entry (org_id, work_date, user_id, billable, minutes);
create index time_entry_ticket on time_entry (ticket_id, id);

-- One running timer per person: starting another stops this one first.
create table running_timer (
    user_id integer primary key references account (id),
    ticket_id integer not null references ticket (id),
    started_at text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table contract (
    org_id integer primary key references org (id),
    hours_included integer not null check (hours_included between 0 and 10000),
    hourly_rate_cents integer not null check (hourly_rate_cents between 0 and 10000000),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Business minutes to the first public staff reply and to the resolution, in the org's
-- business hours at the time. Computed when they happen; left empty for tickets answered or
-- resolved before this migration (wall-clock minutes would be wrong, and the medians skip
-- empty values).
alter table ticket add column first_response_minutes integer;
alter table ticket add column resolution_minutes integer;

-- One index per chart, each led by the org so a report for all orgs is one range scan per
-- client org. All covering: the figures come from the index alone.
create index ticket_org_created on ticket (org_id, created_at, category_id, requester_id);
create index ticket_org_resolved on ticket (org_id, resolved_at, resolution_minutes, rating, assignee_id)
    where resolved_at is not null;
create index ticket_org_first_response on ticket (org_id, first_responded_at, first_response_minutes)
    where first_responded_at is not null;
create index ticket_org_open on ticket (org_id, status, priority, created_at, assignee_id)
    where status in ('new', 'open', 'pending');
create index ticket_org_first_response_due on ticket (org_id, first_response_due_at, first_responded_at)
    where first_response_due_at is not null;
create index ticket_org_resolution_due on ticket (org_id, resolution_due_at, resolved_at,
    first_response_due_at, first_responded_at)
    where resolution_due_at is not null;

create index deflection_org_created on deflection (org_id, created_at);
