-- A missed service-level target is announced once, on the live stream and in the ticket's log.
-- These record when, so neither a restart nor two overlapping runs announce one twice.

alter table ticket add column first_response_breach_announced_at text;
alter table ticket add column resolution_breach_announced_at text;

-- Targets missed before announcements existed are history, not news: nobody is told of them.
update ticket set first_response_breach_announced_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
where status in ('new', 'open', 'pending') and first_responded_at is null
    and first_response_due_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

update ticket set resolution_breach_announced_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
where status in ('new', 'open', 'pending') and resolved_at is null
    and resolution_due_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- No index of its own: the watcher's lookups (every 30 seconds) search the status indexes
-- for active tickets, which are few beside the closed ones.
