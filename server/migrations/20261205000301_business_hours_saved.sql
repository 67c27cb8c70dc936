-- When an organization's business hours or response targets were last saved by someone: a new
-- organization starts with default ones nobody has looked at yet, and the admin's setup
-- checklist asks for them until they are saved.
alter table business_hours add column saved_at text;

update business_hours set saved_at = updated_at
where updated_at <> created_at
   or exists (select 1 from sla_policy p
              where p.org_id = business_hours.org_id and p.updated_at <> p.created_at);
