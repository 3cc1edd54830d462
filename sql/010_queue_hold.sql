-- maildeskctl queue hold/release (as postsuper -h/-H): a held row stays in
-- the queue and is never claimed by a sender until it is released.
ALTER TABLE outbound DROP CONSTRAINT outbound_state_check,
	ADD CONSTRAINT outbound_state_check
		CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'held'));
