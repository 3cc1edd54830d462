-- 009: outbound retention. A sent or failed row keeps its message bytes
-- for outbound_retention (counted from sent_at for sent rows, created_at
-- for failed ones); then maildeskd (or "maildeskctl queue purge") sets data
-- to an empty bytea and purged_at to the time. The row itself stays: it is
-- the record of what was sent (envelope, recipients, state, codes) and its
-- message_id still threads replies. lib/db/db-outbound.c, db_outbound_purge.

ALTER TABLE outbound ADD COLUMN purged_at timestamptz;

-- Only a row that will never be sent again loses its bytes; "queue retry"
-- refuses a purged row (lib/db/db-outbound.c), so it never goes back to
-- queued. A sent row that bounces later becomes failed and stays purged.
ALTER TABLE outbound ADD CONSTRAINT outbound_purged_final
	CHECK (purged_at IS NULL OR state IN ('sent', 'failed'));

-- What the purge reads: only rows that still hold their bytes and will
-- never be sent again, by the time their retention counts from (sent rows
-- have sent_at, failed ones do not: see the CHECK in 003).
CREATE INDEX outbound_purgeable ON outbound ((coalesce(sent_at, created_at)))
	WHERE state IN ('sent', 'failed') AND purged_at IS NULL;
