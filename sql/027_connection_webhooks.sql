-- 027: a connection's webhook (issues 13 and 14). "connection add|set
-- --webhook URL" makes a webhook of the brand's tenant for every event,
-- linked here to its connection; "connection disconnect" makes it inactive
-- at once and "reconnect" active again. An inactive webhook gets no new
-- deliveries and its pending ones are not sent: they wait, pending, and go
-- after a reconnect (their lifetime still counts from their queueing).
ALTER TABLE webhooks
	ADD COLUMN active boolean NOT NULL DEFAULT true,
	ADD COLUMN connection_id bigint,
	ADD CONSTRAINT webhooks_connection FOREIGN KEY (tenant_id, connection_id)
		REFERENCES connections (tenant_id, id) ON DELETE CASCADE;
-- One webhook per connection.
CREATE UNIQUE INDEX webhooks_one_per_connection ON webhooks (tenant_id, connection_id)
	WHERE connection_id IS NOT NULL;
