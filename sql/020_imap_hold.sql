-- IMAP channels, review of issue 15. A message whose delivery keeps failing
-- (or that is over message_size_limit) must not stop its channel: the one
-- UID being retried is counted here (delivery goes in UID order and stops
-- at the first failure, so there is at most one), and after
-- imap_max_attempts the message is moved to hold_folder on the server,
-- counted in held, and the position passes it. A position is only written
-- by the daemon that holds the channel's lease (imap_position_set), in the
-- transaction that stores the message.
ALTER TABLE imap_channels
	ADD COLUMN hold_folder text NOT NULL DEFAULT 'maildesk-hold' CHECK (hold_folder <> ''),
	ADD COLUMN held bigint NOT NULL DEFAULT 0,
	ADD COLUMN stuck_uid bigint NOT NULL DEFAULT 0,
	ADD COLUMN stuck_attempts integer NOT NULL DEFAULT 0,
	ADD COLUMN stuck_error text NOT NULL DEFAULT '';

-- Moves a channel's position on (never back under one uidvalidity) when
-- holder still holds its lease; else raises, so the delivery's whole
-- transaction rolls back and the daemon gives the channel up.
CREATE FUNCTION md_imap_position_set(p_id bigint, p_holder text, p_uidvalidity bigint, p_uid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	UPDATE imap_channels SET last_uid = greatest(CASE WHEN uidvalidity = p_uidvalidity
			THEN last_uid ELSE 0 END, p_uid),
		uidvalidity = p_uidvalidity,
		stuck_uid = CASE WHEN stuck_uid = p_uid THEN 0 ELSE stuck_uid END,
		stuck_attempts = CASE WHEN stuck_uid = p_uid THEN 0 ELSE stuck_attempts END,
		stuck_error = CASE WHEN stuck_uid = p_uid THEN '' ELSE stuck_error END
	WHERE id = p_id AND lease_holder = p_holder;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'imap channel % is not leased by % (any more)', p_id, p_holder
			USING ERRCODE = 'MD001';
	END IF;
END
$$;
