-- 006: delivery reports that come back to the signed return path of one of
-- our mails are stored on its ticket as messages of kind 'bounce'.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check,
	ADD CONSTRAINT messages_kind_check
		CHECK (kind IN ('customer', 'agent', 'reply', 'note', 'untrusted', 'rejected', 'bounce'));
