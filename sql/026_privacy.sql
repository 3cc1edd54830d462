-- 026: privacy (issue 14): inbound retention and contact erasure.
--
-- (1) Retention. Per tenant, raw inbound mail (raw_messages) and
-- attachment contents (blobs) older than a duration lose their bytes:
-- data becomes an empty bytea and purged_at the time, as 009 does for
-- outbound mail. The rows stay: the raw message's hash still recognises a
-- retried delivery (messages_inbound_once), attachments keep their name,
-- type and size. NULL: kept for ever (the default). maildeskd purges in
-- batches (daemon/inbound-purge.c, lib/db/db-privacy.c); so does
-- "maildeskctl retention purge".
ALTER TABLE tenants
	ADD COLUMN inbound_retention_s bigint CHECK (inbound_retention_s > 0),
	ADD COLUMN attachment_retention_s bigint CHECK (attachment_retention_s > 0);
ALTER TABLE raw_messages ADD COLUMN purged_at timestamptz;
ALTER TABLE blobs ADD COLUMN purged_at timestamptz;
-- When a blob was first stored. Blobs are shared per tenant and hash, so
-- the purge also checks that no message newer than the retention carries
-- it; created_at only narrows the candidates.
ALTER TABLE blobs ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
-- What the purges read: only rows that still hold their bytes.
CREATE INDEX raw_messages_purgeable ON raw_messages (tenant_id, created_at) WHERE purged_at IS NULL;
CREATE INDEX blobs_purgeable ON blobs (tenant_id, created_at) WHERE purged_at IS NULL;
-- Which attachments use a blob (a blob is purged only when every message
-- that carries it is older than the retention).
CREATE INDEX attachments_blob ON attachments (tenant_id, sha256);
UPDATE blobs b SET created_at = coalesce((SELECT min(m.received_at) FROM attachments a
	JOIN messages m ON m.tenant_id = a.tenant_id AND m.id = a.message_id
	WHERE a.tenant_id = b.tenant_id AND a.sha256 = b.sha256), b.created_at);
-- A purged blob that a new message carries gets its bytes back
-- (lib/db/db-deliver.c): the insert that finds the row purged refills it.
-- A purged raw message stays purged (a retried delivery is a duplicate).

-- (2) Erasure. "maildeskctl contact erase" removes or anonymises what is
-- stored about one address in one transaction and leaves this record: the
-- SHA-256 of the lower-case address (never the address), the placeholder
-- the contact became, and what was changed.
CREATE TABLE contact_erasures (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	address_sha256 text NOT NULL CHECK (address_sha256 ~ '^[0-9a-f]{64}$'),
	placeholder text NOT NULL,
	actor text NOT NULL DEFAULT '',
	at timestamptz NOT NULL DEFAULT now(),
	tickets integer NOT NULL DEFAULT 0,
	messages integer NOT NULL DEFAULT 0,
	raw_messages integer NOT NULL DEFAULT 0,
	blobs integer NOT NULL DEFAULT 0,
	outbound integer NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant_id, id)
);
CREATE INDEX contact_erasures_address ON contact_erasures (tenant_id, address_sha256);

-- Text with every occurrence of addr (any case) replaced by repl: the
-- address is quoted for the regular expression, so it is taken literally.
CREATE FUNCTION md_erase_text(t text, addr text, repl text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT regexp_replace(t, regexp_replace(addr, '([^A-Za-z0-9])', '\\\1', 'g'), repl, 'gi') $$;

-- An address list of messages (to_json, cc_json, reply_to_json: arrays of
-- {"name", "addr"}) with the entries of addr replaced by repl, nameless.
CREATE FUNCTION md_erase_addrs(j jsonb, addr text, repl text) RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT coalesce(jsonb_agg(CASE WHEN lower(e ->> 'addr') = addr
	THEN jsonb_build_object('name', '', 'addr', repl) ELSE e END ORDER BY n), '[]'::jsonb)
	FROM jsonb_array_elements(j) WITH ORDINALITY AS x(e, n) $$;
