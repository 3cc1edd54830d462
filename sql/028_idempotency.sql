-- Issue 13: Idempotency-Key on every POST. A public route (a web form, no
-- API key) keys its records by the request's path ("/v1/forms/contact")
-- instead of an API key: exactly one of api_key_id and public_path is set.
-- Records older than http_idempotency_ttl are purged in batches by the
-- daemon's hourly purge (created_at's index).
ALTER TABLE http_idempotency DROP CONSTRAINT http_idempotency_pkey;
ALTER TABLE http_idempotency ALTER COLUMN api_key_id DROP NOT NULL;
ALTER TABLE http_idempotency ADD COLUMN public_path text
	CHECK (public_path IS NULL OR length(public_path) BETWEEN 1 AND 300);
ALTER TABLE http_idempotency ADD CONSTRAINT http_idempotency_owner
	CHECK ((api_key_id IS NULL) <> (public_path IS NULL));
CREATE UNIQUE INDEX http_idempotency_key ON http_idempotency (api_key_id, idem_key)
	WHERE api_key_id IS NOT NULL;
CREATE UNIQUE INDEX http_idempotency_public ON http_idempotency (public_path, idem_key)
	WHERE public_path IS NOT NULL;
CREATE INDEX http_idempotency_created ON http_idempotency (created_at);
