-- 015: orders on the mail path (issue 12, "Orders").
-- A tenant's order patterns (PCRE2, tried on the subject, then the body,
-- of mail that opens a ticket; none by default) and a version that
-- changes with every change of them, so each daemon thread recompiles a
-- tenant's patterns only when they changed (a global sequence: a version
-- is never used twice, not even after a clear). The subject template of
-- tickets started about an order ("El pedido {order}"; NULL: none).
CREATE SEQUENCE order_patterns_version_seq;
ALTER TABLE tenants
	ADD COLUMN order_patterns text[] NOT NULL DEFAULT '{}',
	ADD COLUMN order_patterns_version bigint NOT NULL DEFAULT 0,
	ADD COLUMN order_subject text CHECK (order_subject <> '');

-- The order reminder: a team's delay (NULL: off) after which an open
-- ticket without an order reminds its agents once. order_reminder_at is
-- when that happened (claimed and set in one transaction, so it never
-- happens twice); order_reminder_off: a rule said not to.
ALTER TABLE teams
	ADD COLUMN order_reminder_after interval CHECK (order_reminder_after > interval '0');
ALTER TABLE tickets
	ADD COLUMN order_reminder_at timestamptz,
	ADD COLUMN order_reminder_off boolean NOT NULL DEFAULT false;

-- Per team, so the timers read only the teams that have a reminder.
CREATE INDEX tickets_order_reminder ON tickets (tenant_id, team_id, created_at)
	WHERE order_ref IS NULL AND order_reminder_at IS NULL AND NOT order_reminder_off
	AND status IN ('open', 'pending');
