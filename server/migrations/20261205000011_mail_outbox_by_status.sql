-- The Mail page lists the outbox newest first, filtered by status: without this index a
-- filter on 'failed' would walk every sent message to find the few failed ones.
create index mail_outbox_status on mail_outbox (status, id);
