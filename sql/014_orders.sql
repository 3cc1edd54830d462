-- 014: a ticket is about an order (issue 12). The order reference and the
-- optional shipment and SKU identifiers are first-class columns, indexed per
-- tenant, so a listing, a search or a request's deduplication finds a
-- ticket by order without reading the free-form fields of 008. NULL means
-- "no order"; an empty string is never stored.
ALTER TABLE tickets
	ADD COLUMN order_ref text CHECK (order_ref <> ''),
	ADD COLUMN shipment_ref text CHECK (shipment_ref <> ''),
	ADD COLUMN sku text CHECK (sku <> '');

CREATE INDEX tickets_order ON tickets (tenant_id, order_ref)
	WHERE order_ref IS NOT NULL;
