-- 018: how many bytes of a customer's attachments a notification to the
-- agents carries (issue 12, "Attachments through the mail loop"). Above it
-- the notification lists them with the command that fetches each; 0 never
-- carries any. The default is 10 MiB.
ALTER TABLE teams
	ADD COLUMN notify_attach_max bigint NOT NULL DEFAULT 10485760 CHECK (notify_attach_max >= 0);
