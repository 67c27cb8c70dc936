-- Per-day counts the workload dashboard reads instead of the tickets themselves: tickets filed
-- per org, UTC day, category and requester, and tickets resolved per org, UTC day and assignee
-- with their ratings. Triggers keep them in step with `ticket`; rows that drop to zero stay
-- (the reports skip them). Days are the first ten characters of the stored timestamps, the
-- same text the reports' period bounds compare.

create table ticket_filed_day (
    org_id integer not null references org (id),
    day text not null,
    category_id integer not null references category (id),
    requester_id integer not null references account (id),
    filed integer not null default 0,
    primary key (org_id, day, category_id, requester_id)
);

create table ticket_resolved_day (
    org_id integer not null references org (id),
    day text not null,
    -- null for tickets resolved without an assignee
    assignee_id integer references account (id),
    resolved integer not null default 0,
    rated_good integer not null default 0,
    rated_bad integer not null default 0
);

create index ticket_resolved_day_key on ticket_resolved_day (org_id, day, assignee_id);

insert into ticket_filed_day (org_id, day, category_id, requester_id, filed)
select org_id, substr(created_at, 1, 10), category_id, requester_id, count(*)
from ticket group by 1, 2, 3, 4;

insert into ticket_resolved_day (org_id, day, assignee_id, resolved, rated_good, rated_bad)
select org_id, substr(resolved_at, 1, 10), assignee_id, count(*),
    count(case when rating = 'good' then 1 end), count(case when rating = 'bad' then 1 end)
from ticket where resolved_at is not null group by 1, 2, 3;

-- Filed: counted under the ticket's org, day, category and requester.

create trigger ticket_filed_day_insert after insert on ticket
begin
    insert into ticket_filed_day (org_id, day, category_id, requester_id, filed)
    values (new.org_id, substr(new.created_at, 1, 10), new.category_id, new.requester_id, 1)
    on conflict (org_id, day, category_id, requester_id) do update set filed = filed + 1;
end;

create trigger ticket_filed_day_update
after update of org_id, created_at, category_id, requester_id on ticket
when old.org_id is not new.org_id or old.created_at is not new.created_at
    or old.category_id is not new.category_id or old.requester_id is not new.requester_id
begin
    update ticket_filed_day set filed = filed - 1
    where org_id = old.org_id and day = substr(old.created_at, 1, 10)
        and category_id = old.category_id and requester_id = old.requester_id;
    insert into ticket_filed_day (org_id, day, category_id, requester_id, filed)
    values (new.org_id, substr(new.created_at, 1, 10), new.category_id, new.requester_id, 1)
    on conflict (org_id, day, category_id, requester_id) do update set filed = filed + 1;
end;

create trigger ticket_filed_day_delete after delete on ticket
begin
    update ticket_filed_day set filed = filed - 1
    where org_id = old.org_id and day = substr(old.created_at, 1, 10)
        and category_id = old.category_id and requester_id = old.requester_id;
end;

-- Resolved: counted under the org, resolution day and assignee while `resolved_at` is set.
-- The assignee may be null, so rows are found with `is` and made before they are counted on.

create trigger ticket_resolved_day_insert after insert on ticket
when new.resolved_at is not null
begin
    insert into ticket_resolved_day (org_id, day, assignee_id)
    select new.org_id, substr(new.resolved_at, 1, 10), new.assignee_id
    where not exists (select 1 from ticket_resolved_day
        where org_id = new.org_id and day = substr(new.resolved_at, 1, 10)
            and assignee_id is new.assignee_id);
    update ticket_resolved_day set resolved = resolved + 1,
        rated_good = rated_good + (new.rating is 'good'),
        rated_bad = rated_bad + (new.rating is 'bad')
    where org_id = new.org_id and day = substr(new.resolved_at, 1, 10)
        and assignee_id is new.assignee_id;
end;

create trigger ticket_resolved_day_update
after update of org_id, resolved_at, assignee_id, rating on ticket
when old.org_id is not new.org_id or old.resolved_at is not new.resolved_at
    or old.assignee_id is not new.assignee_id or old.rating is not new.rating
begin
    update ticket_resolved_day set resolved = resolved - 1,
        rated_good = rated_good - (old.rating is 'good'),
        rated_bad = rated_bad - (old.rating is 'bad')
    where old.resolved_at is not null and org_id = old.org_id
        and day = substr(old.resolved_at, 1, 10) and assignee_id is old.assignee_id;
    insert into ticket_resolved_day (org_id, day, assignee_id)
    select new.org_id, substr(new.resolved_at, 1, 10), new.assignee_id
    where new.resolved_at is not null and not exists (select 1 from ticket_resolved_day
        where org_id = new.org_id and day = substr(new.resolved_at, 1, 10)
            and assignee_id is new.assignee_id);
    update ticket_resolved_day set resolved = resolved + 1,
        rated_good = rated_good + (new.rating is 'good'),
        rated_bad = rated_bad + (new.rating is 'bad')
    where new.resolved_at is not null and org_id = new.org_id
        and day = substr(new.resolved_at, 1, 10) and assignee_id is new.assignee_id;
end;

create trigger ticket_resolved_day_delete after delete on ticket
when old.resolved_at is not null
begin
    update ticket_resolved_day set resolved = resolved - 1,
        rated_good = rated_good - (old.rating is 'good'),
        rated_bad = rated_bad - (old.rating is 'bad')
    where org_id = old.org_id and day = substr(old.resolved_at, 1, 10)
        and assignee_id is old.assignee_id;
end;
