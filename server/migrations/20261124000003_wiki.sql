-- The wiki: articles with every saved revision, tags, files, their ties to tickets, the
-- questions they answered before a ticket was filed, and full-text search over them.

create table article (
    id integer primary key,
    -- the address; never changes once the article exists
    slug text not null unique,
    title text not null,
    -- markdown of the current revision
    body text not null,
    space text not null,
    visibility text not null check (visibility in ('internal', 'org', 'all_clients')),
    -- the one client organization that may read it, for visibility 'org'
    org_id integer references org (id),
    -- a draft (0) is read by its editors only
    published integer not null default 1 check (published in (0, 1)),
    -- the number of the current revision; an edit names it to detect a save in between
    revision integer not null default 1 check (revision >= 1),
    created_by integer not null references account (id),
    updated_by integer not null references account (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    check (visibility <> 'org' or org_id is not null)
);

-- The wiki's front page: newest first, within what a client's people may read.
create index article_updated on article (updated_at desc, id desc);
create index article_audience on article (visibility, org_id, published);
create index article_space on article (space);

create table article_revision (
    id integer primary key,
    article_id integer not null references article (id) on delete cascade,
    number integer not null check (number >= 1),
    title text not null,
    body text not null,
    author_id integer not null references account (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (article_id, number)
);

create table article_tag (
    article_id integer not null references article (id) on delete cascade,
    -- lowercase, as parsed
    tag text not null,
    -- the order the tags were written in
    position integer not null,
    primary key (article_id, tag)
);

create index article_tag_tag on article_tag (tag, article_id);

-- Images and files shown in articles. The bytes live under the data directory by content
-- hash, beside ticket attachments.
create table article_file (
    id integer primary key,
    article_id integer not null references article (id) on delete cascade,
    uploader_id integer not null references account (id),
    file_name text not null,
    content_type text not null,
    size integer not null check (size >= 0),
    sha256 text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index article_file_article on article_file (article_id, id);

-- Articles suggested to a requester while they wrote a ticket, and those a ticket was
-- resolved with.
create table article_link (
    id integer primary key,
    ticket_id integer not null references ticket (id) on delete cascade,
    article_id integer not null references article (id) on delete cascade,
    kind text not null check (kind in ('suggested', 'resolved_with')),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    unique (ticket_id, article_id, kind)
);

-- "Tickets resolved with this article", counted per article.
create index article_link_article on article_link (article_id, kind);

-- A question an article answered: the person read it and filed no ticket.
create table deflection (
    id integer primary key,
    article_id integer not null references article (id) on delete cascade,
    user_id integer not null references account (id),
    org_id integer not null references org (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create index deflection_article on deflection (article_id, created_at);

-- One row per article (rowid = article id). Porter stemming lets "printer" find "printing";
-- tags are a column of their own, so ranking can weigh them apart from the text.
create virtual table article_search using fts5 (
    title,
    body,
    tags,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

create trigger article_search_insert after insert on article
begin
    insert into article_search (rowid, title, body, tags) values (new.id, new.title, new.body, '');
end;

create trigger article_search_update after update of title, body on article
begin
    update article_search set title = new.title, body = new.body where rowid = new.id;
end;

create trigger article_search_delete after delete on article
begin
    delete from article_search where rowid = old.id;
end;

create trigger article_search_tag_insert after insert on article_tag
begin
    update article_search
    set tags = (select coalesce(group_concat(tag, ' '), '') from article_tag
                where article_id = new.article_id)
    where rowid = new.article_id;
end;

create trigger article_search_tag_delete after delete on article_tag
begin
    update article_search
    set tags = (select coalesce(group_concat(tag, ' '), '') from article_tag
                where article_id = old.article_id)
    where rowid = old.article_id;
end;

-- Events about articles go to whoever may read the article as it was saved: its audience is
-- kept beside the event, as a ticket's is.
alter table live_event add column article_id integer references article (id);
alter table live_event add column article_visibility text
    check (article_visibility in ('internal', 'org', 'all_clients'));
alter table live_event add column article_published integer
    check (article_published in (0, 1));
