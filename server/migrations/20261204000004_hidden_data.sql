-- Data that must stay hidden: each wiki revision keeps the audience it was saved for, and a
-- ticket keeps apart the last activity its client may know of.

-- A revision is read by whoever could read the article when it was saved, whatever the
-- article's audience is now: a runbook cleaned up and shared keeps its old text internal.
alter table article_revision add column visibility text not null default 'internal'
    check (visibility in ('internal', 'org', 'all_clients'));
alter table article_revision add column org_id integer references org (id);
alter table article_revision add column published integer not null default 0
    check (published in (0, 1));

-- What each older revision was saved for is unknown, so it stays internal (the default
-- above): only the provider's staff see it. The current revision is the text the article
-- shows its audience now, so it takes the article's audience.
update article_revision
set visibility = (select a.visibility from article a where a.id = article_revision.article_id),
    org_id = (select a.org_id from article a where a.id = article_revision.article_id),
    published = (select a.published from article a where a.id = article_revision.article_id)
where number = (select a.revision from article a where a.id = article_revision.article_id);

-- The last activity the client's people see: moved by what they can see, never by an
-- internal note or file. Null reads as the ticket's filing time.
alter table ticket add column client_activity_at text;

-- Known for older tickets from their event log's public entries.
update ticket
set client_activity_at = (select max(e.created_at) from ticket_event e
                          where e.ticket_id = ticket.id and e.internal = 0);

-- The client's lists sort by it, as staff's sort by last_activity_at.
create index ticket_org_client_activity on ticket (org_id, client_activity_at desc);
create index ticket_requester_client_activity on ticket (requester_id, client_activity_at desc);
