-- Issue 13: the HTTP API. An API key belongs to one tenant and has one
-- scope (intake: the POST routes; read: the GET routes; admin: both and
-- more). Only its SHA-256 is stored; key_id is the public part of the key
-- ("mdk_KEYID_SECRET"), shown by "maildeskctl apikey list" and in the log.
-- last_used_at/last_address: when and from where it was last accepted.
CREATE TABLE api_keys (
	id bigserial PRIMARY KEY,
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	key_id text NOT NULL UNIQUE CHECK (key_id ~ '^[0-9a-f]{16}$'),
	key_sha256 text NOT NULL CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
	scope text NOT NULL CHECK (scope IN ('intake', 'read', 'admin')),
	name text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz,
	last_used_at timestamptz,
	last_address text NOT NULL DEFAULT ''
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- A POST with an Idempotency-Key: written in the same transaction as the
-- ticket or message it made, so a retry finds either nothing (and does the
-- work) or this row (and answers with its result). body_sha256 covers the
-- route and the body: the same key with another request is refused.
CREATE TABLE http_idempotency (
	api_key_id bigint NOT NULL REFERENCES api_keys (id),
	idem_key text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
	body_sha256 text NOT NULL,
	status integer NOT NULL,
	ticket_number bigint NOT NULL,
	joined boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (api_key_id, idem_key)
);
