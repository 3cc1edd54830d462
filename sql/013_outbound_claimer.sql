-- 013: a claim names the daemon that holds it (issue 10 point 8), so a
-- daemon never takes back a row it is still sending itself, and a result
-- is recorded only by the daemon whose claim it is. The identity is
-- "host/pid/random", new at every start (a restarted daemon, even with the
-- same pid, is another claimer). NULL for rows claimed before 013.
ALTER TABLE outbound ADD COLUMN claimed_by text;
