-- Categories are archived, never deleted: tickets keep the category they were filed under,
-- while new requests can no longer choose it.
alter table category add column archived_at text;
