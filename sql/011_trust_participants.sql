-- 011: who may join a conversation, and who gets automatic mail.
--
-- require_authenticated_requester: a follow-up matched by References or
-- the subject tag from the requester or a participant adds its To/Cc as
-- participants only when our own mail server authenticated the sender
-- (DMARC, or DKIM for exactly the From domain). Off by default: many
-- customers' domains publish no DMARC, and their From is then all we have.
--
-- autoack_unauthenticated: acknowledge new tickets even when the sender is
-- not authenticated (DMARC, DKIM or SPF pass for the From domain). Off by
-- default: a forged From would otherwise turn the acknowledgement into a
-- signed mail to anyone the forger names.
ALTER TABLE tenants
	ADD COLUMN require_authenticated_requester boolean NOT NULL DEFAULT false,
	ADD COLUMN autoack_unauthenticated boolean NOT NULL DEFAULT false;
