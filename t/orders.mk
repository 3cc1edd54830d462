## Orders (issue 12): extraction by the tenant's patterns, #order by mail,
## maildeskctl ticket order, list/show, templates, notifications, rules,
## the order reminder and the order subject, end to end over LMTP.
TESTS += t/e2e-orders.sh
EXTRA_DIST += t/e2e-orders.sh
