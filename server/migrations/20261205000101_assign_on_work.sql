-- Whether a technician's public reply to, or resolving of, an unassigned ticket assigns it to
-- them (issue #22): on unless a team prefers to hand tickets out itself.
alter table site_setting add column assign_on_work integer not null default 1
    check (assign_on_work in (0, 1));
