-- Issue 15: mail hosted elsewhere, fetched over IMAP. One row per channel
-- (a mailbox at a provider) of a team. Secrets are never stored: a
-- password is read at connect time from password_file, an XOAUTH2 token
-- from what oauth2_command prints. uidvalidity and last_uid are written in
-- the same transaction as each fetched message (desk_deliver), so they
-- never run ahead of what is stored. lease_holder/lease_until: the one
-- daemon working the channel (renewed by it; another takes over once
-- lease_until has passed). config_version grows with every change of the
-- settings, so the holder restarts its session.
CREATE TABLE imap_channels (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL UNIQUE,
	team_id bigint NOT NULL,
	host text NOT NULL CHECK (host <> ''),
	port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
	tls text NOT NULL CHECK (tls IN ('implicit', 'starttls')),
	ca_file text NOT NULL DEFAULT '',
	username text NOT NULL CHECK (username <> ''),
	password_file text NOT NULL DEFAULT '',
	oauth2_command text NOT NULL DEFAULT '',
	folder text NOT NULL DEFAULT 'INBOX' CHECK (folder <> ''),
	done_action text NOT NULL DEFAULT 'move' CHECK (done_action IN ('move', 'delete', 'flag')),
	done_folder text NOT NULL DEFAULT 'Processed',
	paused boolean NOT NULL DEFAULT false,
	status text NOT NULL DEFAULT 'new',
	last_error text NOT NULL DEFAULT '',
	status_at timestamptz NOT NULL DEFAULT now(),
	uidvalidity bigint NOT NULL DEFAULT 0,
	last_uid bigint NOT NULL DEFAULT 0,
	lease_holder text NOT NULL DEFAULT '',
	lease_until timestamptz,
	config_version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
	CHECK ((password_file <> '') <> (oauth2_command <> '')),
	CHECK (done_action <> 'move' OR done_folder <> '')
);
CREATE INDEX imap_channels_team ON imap_channels (tenant_id, team_id);
