-- 007: sending domains and their DKIM keys.
--
-- A tenant's own domain (tenant_id set) is 'pending' until "maildeskctl
-- domain check" finds its DKIM records published as they should be; only
-- then do its teams send From their alias on it. The provider's shared
-- domain (shared_domain in maildesk.conf) is added with --shared and has no
-- tenant; it is marked verified by the same check.

CREATE TABLE sending_domains (
	domain text PRIMARY KEY CHECK (domain <> '' AND domain = lower(domain)),
	tenant_id bigint REFERENCES tenants (id),
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified')),
	verified_at timestamptz,
	checked_at timestamptz,
	-- What the last check found, one line per record ("dkim md202611-rsa: ok").
	check_report text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sending_domains_tenant ON sending_domains (tenant_id);

-- One key per selector. A generation ("md202611") has an RSA and an Ed25519
-- selector (GENERATION-rsa, GENERATION-ed25519); "domain rotate" adds a new
-- generation while the oldest active one keeps signing until "domain
-- retire-selector GENERATION". key_file is relative to dkim_key_dir.
CREATE TABLE dkim_selectors (
	domain text NOT NULL REFERENCES sending_domains (domain),
	selector text NOT NULL CHECK (selector ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	generation text NOT NULL,
	algorithm text NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
	public_key text NOT NULL,
	key_file text NOT NULL,
	state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
	-- Whether the last "domain check" found this record published.
	published boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	retired_at timestamptz,
	PRIMARY KEY (domain, selector)
);
