-- Hyphenated words are also indexed joined up ("Wi-Fi" as "wifi", "e-mail" as "email"), in a
-- column of their own: a search for "wifi" then finds an article that writes "Wi-Fi" with one
-- lookup of the index, where it tried every way the word could have been split ("w ifi",
-- "wi fi", "wif i"), up to six more lookups per word. Filing a ticket runs that search for its
-- subject and description to tie the suggested articles to it, so it was on every request.
-- The column holds the title, text and tags with their hyphens taken out; ranking gives it the
-- weight of the text.

drop trigger article_search_insert;
drop trigger article_search_update;
drop trigger article_search_delete;
drop trigger article_search_tag_insert;
drop trigger article_search_tag_delete;
drop table article_search;

create virtual table article_search using fts5 (
    title,
    body,
    tags,
    joined,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

insert into article_search (rowid, title, body, tags, joined)
select a.id, a.title, a.body, coalesce(t.tags, ''),
       replace(a.title || ' ' || a.body || ' ' || coalesce(t.tags, ''), '-', '')
from article a
left join (select article_id, group_concat(tag, ' ') as tags from article_tag
           group by article_id) t on t.article_id = a.id;

create trigger article_search_insert after insert on article
begin
    insert into article_search (rowid, title, body, tags, joined)
    values (new.id, new.title, new.body, '', replace(new.title || ' ' || new.body, '-', ''));
end;

create trigger article_search_update after update of title, body on article
begin
    update article_search
    set title = new.title, body = new.body,
        joined = replace(new.title || ' ' || new.body || ' ' || tags, '-', '')
    where rowid = new.id;
end;

create trigger article_search_delete after delete on article
begin
    delete from article_search where rowid = old.id;
end;

create trigger article_search_tag_insert after insert on article_tag
begin
    update article_search
    set tags = (select coalesce(group_concat(tag, ' '), '') from article_tag
                where article_id = new.article_id),
        joined = replace(title || ' ' || body || ' ' ||
                 (select coalesce(group_concat(tag, ' '), '') from article_tag
                  where article_id = new.article_id), '-', '')
    where rowid = new.article_id;
end;

create trigger article_search_tag_delete after delete on article_tag
begin
    update article_search
    set tags = (select coalesce(group_concat(tag, ' '), '') from article_tag
                where article_id = old.article_id),
        joined = replace(title || ' ' || body || ' ' ||
                 (select coalesce(group_concat(tag, ' '), '') from article_tag
                  where article_id = old.article_id), '-', '')
    where rowid = old.article_id;
end;
