-- 006: delivery reports that come back to the signed return path of one of
-- our mails are stored on its ticket as messages of kind 'bounce'; and the
-- indexes of the hourly caps on automatic mail.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check,
	ADD CONSTRAINT messages_kind_check
		CHECK (kind IN ('customer', 'agent', 'reply', 'note', 'untrusted', 'rejected', 'bounce'));

-- The hourly caps on automatic mail count per ticket and per recipient
-- address; these keep both counts from scanning the whole hour.
DROP INDEX outbound_automatic;
CREATE INDEX outbound_automatic_ticket ON outbound (tenant_id, ticket_id, created_at)
	WHERE kind IN ('notification', 'ack', 'explanation');
CREATE INDEX outbound_automatic_rcpts ON outbound USING gin (rcpts)
	WHERE kind IN ('notification', 'ack', 'explanation');

-- Message bytes are stored as they are: compressing every raw message and
-- every outgoing mail costs more CPU per delivery than the disk it saves.
ALTER TABLE raw_messages ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE outbound ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
