#!/bin/sh
# Sharding by tenant (for example with Citus, distributing on tenant_id):
# every table's primary key, every foreign key and every other unique index
# start with tenant_id, so a tenant's rows and the joins between them stay
# on one shard (Citus needs the distribution column in every unique index).
# The keys that cannot are listed here with the reason; a new table or index
# that breaks the rule without being listed fails this test, and so does a
# listed exception that no longer exists.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }

# table|key kind|columns : why it is not keyed by tenant.
EXCEPTIONS='
tenants|p|id : the tenants themselves (a reference table in Citus terms)
schema_migrations|p|version : the schema version, one row per migration
team_aliases|p|address : an address routes to exactly one team across all tenants (LMTP RCPT looks it up before the tenant is known)
sending_domains|p|domain : a domain signs for one tenant only, and the shared domain belongs to the provider, no tenant
dkim_selectors|p|domain,selector : keys belong to a sending domain (see sending_domains)
dkim_selectors|f|domain : keys belong to a sending domain (see sending_domains)
daemons|p|host,pid : one row per running maildeskd (sql/012), not tenant data: a local or reference table
rule_sets|nopk : its key is the unique index rule_sets_scope on (tenant_id, coalesce(team_id, 0)) (team_id NULL: the tenant-wide rules), led by tenant_id; an expression cannot be a primary key
tenants|u|name : tenant names are unique across the provider (maildeskctl names tenants by name)
tickets|u|number : ticket numbers come from one sequence for all tenants; distributed, this index must become (tenant_id, number)
imap_channels|u|id : maildeskctl and the daemons name a channel by its id alone (one sequence for all tenants); distributed, the primary key (tenant_id, id) serves and this index goes
connections|f|provider_id : a connection belongs to its brand (tenant_id leads its key); provider_id names the other tenant, the provider, which distributed would be a reference to the tenants table
connections|f|provider_id,provider_team_id : the provider team that handles the tickets of the brand is a team of the provider, the other tenant of the connection (see connections|f|provider_id)
webhooks|u|id : maildeskctl names a webhook by its id alone (one sequence for all tenants); distributed, the primary key (tenant_id, id) serves and this index goes
webhook_deliveries|u|id : maildeskctl names a delivery by its id alone (retry, replay); distributed, the primary key (tenant_id, id) serves and this index goes
intake_forms|u|name : a form name is in its public URL (/v1/forms/NAME) and looked up before the tenant is known, like a team alias
api_keys|p|id : an API key is looked up by its public key_id before the tenant is known (like a team alias): a reference table
api_keys|u|key_id : see api_keys|p|id
http_idempotency|f|api_key_id : the Idempotency-Key records of a key belong to the key (see api_keys|p|id)
http_idempotency|u|api_key_id : the unique index (api_key_id, idem_key) of the records of a key (see api_keys|p|id; sql/028)
http_idempotency|u|public_path : the records of a public route (a web form) are keyed by its path, looked up before the tenant is known (see intake_forms|u|name; sql/028)
http_idempotency|nopk : exactly one of api_key_id and public_path is set (sql/028); the two partial unique indexes are its keys
'

keys=$(sql "select c.relname || '|' || con.contype::text || '|' ||
	(select string_agg(a.attname, ',' order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
	 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum)
	from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
	where n.nspname = 'public' and con.contype in ('p', 'f') order by 1")
# Unique indexes other than primary keys, by their first column (an
# expression counts as one, written as PostgreSQL prints it).
uniques=$(sql "select c.relname || '|u|' || pg_get_indexdef(i.indexrelid, 1, true)
	from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
	where n.nspname = 'public' and i.indisunique and not i.indisprimary order by 1")
nopk=$(sql "select t.tablename || '|nopk' from pg_tables t where t.schemaname = 'public' and not exists
	(select 1 from pg_constraint con where con.conrelid = (quote_ident(t.tablename))::regclass and con.contype = 'p')
	order by 1")
keys=$(printf '%s\n%s\n%s\n' "$keys" "$uniques" "$nopk" | grep -v '^$')
tables=$(sql "select count(*) from pg_tables where schemaname = 'public'")
assert_eq "the schema has its tables" t "$([ "$tables" -gt 20 ] && echo t || echo f)"
assert_eq "every table has a primary key or is listed" "$tables" "$(echo "$keys" | grep -c '|p|\||nopk$')"
bad=""
nl='
'
IFS=$nl # an expression in an index may hold blanks
for k in $keys; do
	case $k in
	*"|tenant_id" | *"|tenant_id,"*) continue ;;
	esac
	if ! echo "$EXCEPTIONS" | grep -q "^$k : "; then
		bad="$bad $k"
	fi
done
assert_eq "every key not led by tenant_id is a listed exception" "" "$bad"
stale=""
for e in $(echo "$EXCEPTIONS" | sed -n 's/ : .*//p'); do
	echo "$keys" | grep -qx "$e" || stale="$stale $e"
done
unset IFS
assert_eq "every listed exception still exists" "" "$stale"
md_instance_stop
e2e_done
