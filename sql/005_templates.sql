-- 005: templates. An agent inserts one into an answer with "#template NAME";
-- a team may acknowledge every new ticket from a customer with one.
--
-- Templates belong to a team (names are unique per team). Their body is
-- checked when it is saved (maildeskctl template add): only the variables
-- lib/desk knows ({{ticket.number}} ...), so sending never meets a typo.

CREATE TABLE templates (
	tenant_id bigint NOT NULL,
	team_id bigint NOT NULL,
	-- The name "#template NAME" uses: agent commands lower-case it.
	name text NOT NULL CHECK (name ~ '^[a-z0-9_.-]{1,64}$'),
	body text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, team_id, name),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);

-- The template acknowledging a new ticket from a customer; NULL: none.
-- The foreign key keeps a template in use from being removed.
ALTER TABLE teams
	ADD COLUMN autoack_template text,
	ADD CONSTRAINT teams_autoack_template FOREIGN KEY (tenant_id, id, autoack_template)
		REFERENCES templates (tenant_id, team_id, name);
