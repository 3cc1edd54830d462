#!/bin/sh
# Providers and brands (issue 14), end to end against the real daemon and
# PostgreSQL with Postfix's smtp-sink as everybody's mail server: a provider
# (a 3PL, tenant "wh", team "ops") connected to two brands, "acme" (support
# owner provider) and "bolt" (support owner brand). Customer mail and
# requests reach the right team; the provider's agent answers acme's
# customer as acme (From and DKIM d= of acme's own domain); acme's agents
# are read-only on it; the provider sees bolt only through the requests bolt
# opens to it. The attacks first: a brand's agent acting on a ticket its
# provider handles, a provider's agent acting after a disconnect (by mail
# with a valid token, and with maildeskctl), a forged From, one brand
# listing another's tickets. Then disconnect and reconnect, and a change of
# support owner that moves open tickets or leaves them.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
KEYDIR="$MD_TEST_TMP/dkim-keys"
mkdir -m 700 "$KEYDIR"
sink_start
MD_EXTRA_CONF="dkim_key_dir = $KEYDIR"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
W="$MD_TEST_TMP/work"
mkdir -p "$W"
for t in wh acme bolt; do md_ctl tenant add $t >/dev/null; done
md_ctl team add ops --tenant wh --alias ops@wh.example >/dev/null
md_ctl agent add pia@wh.example --name "Pia" --team ops --tenant wh >/dev/null
md_ctl team add floor --tenant wh --alias floor@wh.example >/dev/null
md_ctl agent add fred@wh.example --name "Fred" --team floor --tenant wh >/dev/null
md_ctl team add support --tenant acme --alias support@acme.example >/dev/null
md_ctl agent add alan@acme.example --name "Alan" --team support --tenant acme >/dev/null
md_ctl team add help --tenant bolt --alias help@bolt.example >/dev/null
md_ctl agent add bea@bolt.example --name "Bea" --team help --tenant bolt >/dev/null
md_ctl reason add "Pedido no recibido" --tenant bolt >/dev/null
# acme signs with its own domain (verified by hand here: t/e2e-dkim.sh
# verifies against DNS).
md_ctl domain add acme.example --tenant acme >/dev/null
sql "update sending_domains set status = 'verified', verified_at = now() where domain = 'acme.example'" >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null' EXIT

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
latest_for() { ls -t $(mail_for "$1") 2>/dev/null | head -1; }
# ctl_err ARGS...: maildeskctl with stdout in $out, stderr in $err, status in $rc.
ctl_err() { md_ctl "$@" >"$W/out" 2>"$W/err"; rc=$?; out=$(cat "$W/out"); err=$(cat "$W/err"); }
# handled NUMBER: the provider handling a ticket ("" when its brand's own teams do).
handled() { sql "select coalesce(c.provider_id::text, '') from tickets t left join connections c on c.tenant_id = t.tenant_id and c.id = t.handled_by where t.number = $1"; }
kinds() { sql "select string_agg(m.kind, ',' order by m.id) from messages m join tickets t on t.id = m.ticket_id where t.number = $1"; }
settled() {
	for _i in $(seq 1 300); do
		[ "$(sql "select count(*) from outbound where state in ('queued', 'sending')")" = 0 ] && return 0
		sleep 0.1
	done
}

# --- connection add: what is refused
ctl_err connection add --provider wh --brand acme
assert_eq "a connection needs a support owner" 2 "$rc"
ctl_err connection add --provider wh --brand acme --support-owner provider
assert_eq "support owner provider needs the provider team" 2 "$rc"
assert_match "saying so" 'needs --provider-team' "$err"
ctl_err connection add --provider wh --brand acme --support-owner provider --provider-team ops --webhook ftp://x
assert_eq "a webhook that is not http(s) is a usage error" 2 "$rc"
ctl_err connection add --provider wh --brand wh --support-owner brand
assert_eq "a tenant is not its own provider" 1 "$rc"
ctl_err connection add --provider nosuch --brand acme --support-owner brand
assert_match "an unknown tenant is named" 'provider tenant "nosuch" not found' "$err"
ctl_err connection add --provider wh --brand acme --support-owner provider --provider-team nosuch
assert_eq "an unknown provider team is refused" 1 "$rc"

# --- two brands of different support owners
ctl_err connection add --provider wh --brand acme --support-owner provider --provider-team ops \
	--contact Ops@Acme.example --warehouse MAD-1 --monthly-orders 1200 --webhook https://hooks.acme.example/md
assert_eq "connection add exits 0" 0 "$rc"
assert_match "and prints the connection" '^connection [0-9]+ added: provider "wh", brand "acme", support owner provider$' "$out"
CA=$(echo "$out" | sed -n 's/^connection \([0-9]*\) added.*/\1/p')
CB=$(md_ctl connection add --provider wh --brand bolt --support-owner brand --provider-team ops | sed -n 's/^connection \([0-9]*\) added.*/\1/p')
ctl_err connection add --provider wh --brand acme --support-owner brand
assert_eq "a second connection of the pair is refused" 1 "$rc"
md_ctl tenant add wh2 >/dev/null
ctl_err connection add --provider wh2 --brand acme --support-owner brand
assert_match "and a second active provider of a brand" 'disconnect that first' "$err"
list=$(md_ctl connection list --provider wh)
assert_match "connection list shows both brands with their owner" "^$CA +wh +acme +provider +ops +ops@acme\\.example +MAD-1 +1200 +https://hooks\\.acme\\.example/md +yes" "$list"
assert_match "and the second" "^$CB +wh +bolt +brand +ops " "$list"
json=$(md_ctl connection list --brand acme --json)
assert_match "connection list --json: the webhook URL a sender reads" '"webhook_url": "https://hooks.acme.example/md"' "$json"
assert_match "with its active flag" '"active": true' "$json"
assert_no_match "--brand keeps one brand" '"brand": "bolt"' "$json"
assert_eq "the provider's agent has a delegate row in each brand" "acme bolt" \
	"$(sql "select string_agg(n.name, ' ' order by n.name) from agents a join tenants n on n.id = a.tenant_id where a.email = 'pia@wh.example' and a.provider_agent_id is not null")"
assert_eq "fred (not in the provider team) has none" 0 \
	"$(sql "select count(*) from agents where email = 'fred@wh.example' and provider_agent_id is not null")"

# --- acme's customer writes: the provider's team is notified, not acme's
lmtp --from carla@customer.example --to support@acme.example \
	--header "From: Carla <carla@customer.example>" --header "Subject: Parcel late" \
	--header "Message-Id: <a1@customer.example>" --body "Where is my parcel?"
TA=$(sql "select number from tickets where subject = 'Parcel late'")
assert_eq "the ticket stays in acme's tenant and team" "acme support" \
	"$(sql "select n.name || ' ' || m.name from tickets t join tenants n on n.id = t.tenant_id join teams m on m.id = t.team_id where t.number = $TA")"
assert_eq "handled by the provider" "$(sql "select id from tenants where name = 'wh'")" "$(handled "$TA")"
assert_match "recorded on the ticket" 'handled by provider "wh"' \
	"$(sql "select detail from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $TA and e.kind = 'connection.routed'")"
assert_match "ticket show names the provider" '^Handled by: +wh$' "$(md_ctl ticket show "$TA")"
assert_match "and so does its JSON" '"handled_by": "wh"' "$(md_ctl ticket show "$TA" --json)"
wait_count pia@wh.example 1
settled
assert_eq "the provider's agent is notified" 1 "$(count_for pia@wh.example)"
assert_eq "the brand's agent is not" 0 "$(count_for alan@acme.example)"
assert_eq "nor the provider's agent outside the team" 0 "$(count_for fred@wh.example)"
n=$(cat "$(latest_for pia@wh.example)")
assert_match "the notification is acme's" '^From: Carla via support <support@acme\.example>' "$n"
PIA_TOKEN=$(echo "$n" | sed -n 's/^Reply-To: \(support+[^ ]*@acme\.example\).*/\1/p' | head -1)

# --- the provider's agent answers by mail: the customer gets it as acme
lmtp --from pia@wh.example --to "$PIA_TOKEN" --header "From: Pia <pia@wh.example>" \
	--header "Subject: Re: [#$TA] Parcel late" --body "It leaves our warehouse today."
wait_count carla@customer.example 1
settled
c=$(cat "$(latest_for carla@customer.example)")
assert_match "the answer comes from acme's address" '^From: Pia from support <support@acme\.example>' "$c"
assert_match "signed by acme's own domain" 'd=acme\.example;' \
	"$(tr -d '\r' < "$(latest_for carla@customer.example)" | awk '/^DKIM-Signature:/ { p = 1; print; next } /^[ \t]/ && p { print; next } { p = 0 }')"
assert_match "it carries the answer" 'It leaves our warehouse today' "$c"
assert_eq "stored on acme's ticket as the agent's mail and the reply" "customer,agent,reply" "$(kinds "$TA")"

# --- attack: acme's own agent is read-only on it (ctl and mail)
printf 'I will handle it.\n' > "$W/alan.txt"
ctl_err ticket reply "$TA" --from alan@acme.example --file "$W/alan.txt"
assert_eq "the brand's agent cannot answer with maildeskctl" 1 "$rc"
assert_match "with the reason" 'handled by provider "wh".*read-only' "$err"
ctl_err ticket close "$TA" --by alan@acme.example
assert_eq "nor close it" 1 "$rc"
ctl_err ticket tag "$TA" vip --by alan@acme.example
assert_eq "nor tag it" 1 "$rc"
ALAN_TOKEN=$(md_ctl ticket address "$TA" --agent alan@acme.example)
lmtp --from alan@acme.example --to "$ALAN_TOKEN" --header "From: Alan <alan@acme.example>" \
	--header "Subject: Re: [#$TA] Parcel late" --body "#close

Closing this."
wait_count alan@acme.example 1
settled
assert_eq "by mail with a valid token it is refused: nothing reaches the customer" 1 "$(count_for carla@customer.example)"
assert_eq "the ticket is not closed" open "$(sql "select status from tickets where number = $TA")" 
assert_match "the mail is kept as rejected" 'rejected$' "$(kinds "$TA")"
assert_match "and the brand's agent is told why" 'read-only' "$(cat "$(latest_for alan@acme.example)")"

# --- attack: a forged From with the provider agent's token acts on nothing
lmtp --from evil@attacker.example --to "$PIA_TOKEN" --header "From: Pia <evil@attacker.example>" \
	--header "Subject: Re: [#$TA] Parcel late" --body "#close

Refund approved, send your card number."
wait_count pia@wh.example 2
settled
assert_eq "a forged From with a valid token sends nothing" 1 "$(count_for carla@customer.example)"
assert_match "the agent on record is told of it" 'evil@attacker\.example, which is not your address' "$(cat "$(latest_for pia@wh.example)")"
assert_match "stored as untrusted" 'untrusted$' "$(kinds "$TA")"
assert_eq "and the ticket stays open" open "$(sql "select status from tickets where number = $TA")"

# --- bolt (support owner brand): its own team, the provider sees nothing
lmtp --from dan@customer.example --to help@bolt.example \
	--header "From: Dan <dan@customer.example>" --header "Subject: Wrong size" --body "Too small."
TB=$(sql "select number from tickets where subject = 'Wrong size'")
wait_count bea@bolt.example 1
settled
assert_eq "bolt's ticket is bolt's" "" "$(handled "$TB")"
assert_no_match "its ticket show has no handler" 'Handled by' "$(md_ctl ticket show "$TB")"
assert_eq "bolt's agent is notified" 1 "$(count_for bea@bolt.example)"
assert_eq "the provider's agent is not (acme's ticket and the forgery's notice only)" 2 "$(count_for pia@wh.example)"
ctl_err ticket reply "$TB" --from pia@wh.example --file "$W/alan.txt"
assert_eq "the provider's agent cannot answer bolt's own ticket" 1 "$rc"
assert_match "not handled by the provider" 'not handled by provider "wh"' "$err"
pl=$(md_ctl ticket list --tenant wh)
assert_match "the provider's list has acme's ticket, the brand on its line" "^$TA +acme +support " "$pl"
assert_no_match "but not bolt's own" "^$TB " "$pl"

# --- bolt opens a request to the provider: the provider handles that one
printf 'Order 77 never left the warehouse.\n' > "$W/req.txt"
ctl_err request new --tenant bolt --order 77 --reason "pedido no recibido" --from ops@bolt.example \
	--file "$W/req.txt" --to-provider
assert_eq "request new --to-provider exits 0" 0 "$rc"
TR=${out% new}
assert_eq "the request is handled by the provider" "$(sql "select id from tenants where name = 'wh'")" "$(handled "$TR")"
wait_count pia@wh.example 3
assert_eq "the provider's team is notified of it" 3 "$(count_for pia@wh.example)"
assert_match "from bolt's team" '^From: "ops@bolt\.example via help" <help@bolt\.example>' "$(cat "$(latest_for pia@wh.example)")"
printf '#solve\nWe found it, it ships today.\n' > "$W/pia.txt"
ctl_err ticket reply "$TR" --from pia@wh.example --file "$W/pia.txt"
assert_eq "the provider's agent answers bolt's request" 0 "$rc"
wait_count ops@bolt.example 1
assert_match "to bolt, from bolt's address" '^From: Pia from help <help@bolt\.example>' "$(cat "$(latest_for ops@bolt.example)")"
pl=$(md_ctl ticket list --tenant wh --status solved)
assert_match "the provider's list has the request, brand bolt" "^$TR +bolt +help " "$pl"
assert_eq "--brand bolt keeps bolt's" "$TR" "$(md_ctl ticket list --tenant wh --brand bolt --json | sed -n 's/.*"number": \([0-9]*\).*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "--brand acme keeps acme's" "$TA" "$(md_ctl ticket list --tenant wh --brand acme --json | sed -n 's/.*"number": \([0-9]*\).*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
assert_match "a provider searches a brand's tickets it handles" "^$TA +" "$(md_ctl ticket search parcel --tenant wh --brand acme)"
assert_no_match "not the brand's own ones" "^$TB " "$(md_ctl ticket search size --tenant wh --brand bolt)"
ctl_err ticket list --tenant wh --brand demo
assert_match "--brand of a tenant that is not a brand of the provider" 'not a brand of this provider' "$err"
ctl_err request new --tenant demo --order 1 --reason x --from a@b.example --file "$W/req.txt" --to-provider
assert_eq "a tenant without a provider cannot open a request to one" 1 "$rc"

# --- isolation: a brand never lists another brand's tickets
assert_no_match "acme's list has no bolt ticket" "bolt" "$(md_ctl ticket list --tenant acme)"
assert_no_match "bolt's list has no acme ticket" "acme" "$(md_ctl ticket list --tenant bolt)"

# --- disconnect: routing and acting stop at once, history stays
# (the provider's delegate has the ticket when the connection goes)
sql "update tickets t set assignee_id = a.id from agents a where a.tenant_id = t.tenant_id
	and a.email = 'pia@wh.example' and a.via_connection is not null and t.number = $TA" >/dev/null
ctl_err connection disconnect --provider wh --brand acme
assert_eq "disconnect exits 0" 0 "$rc"
assert_match "and says so" "connection $CA \\(provider \"wh\", brand \"acme\"\\) disconnected" "$out"
ctl_err connection disconnect "$CA"
assert_match "twice is refused" 'disconnected already' "$err"
assert_eq "the webhook is inactive but kept" "false https://hooks.acme.example/md" \
	"$(sql "select active || ' ' || webhook_url from connections where id = $CA")"
assert_eq "the provider's list no longer has acme's ticket" "[]" "$(md_ctl ticket list --tenant wh --brand acme --json)"
ctl_err ticket reply "$TA" --from pia@wh.example --file "$W/pia.txt"
assert_eq "the provider's agent cannot answer with maildeskctl" 1 "$rc"
assert_match "because of the disconnect" 'not handled by provider "wh" \(the connection is disconnected' "$err"
lmtp --from pia@wh.example --to "$PIA_TOKEN" --header "From: Pia <pia@wh.example>" \
	--header "Subject: Re: [#$TA] Parcel late" --body "Sent again."
wait_count pia@wh.example 4
settled
assert_eq "nor by mail with her valid token: nothing reaches the customer" 1 "$(count_for carla@customer.example)"
assert_match "kept as rejected, and she is told" 'disconnected' "$(cat "$(latest_for pia@wh.example)")"
assert_match "the ticket's history is still readable" 'connection.routed' "$(md_ctl ticket show "$TA")"
assert_no_match "and no longer shows a handler" 'Handled by' "$(md_ctl ticket show "$TA")"
assert_no_match "nor does the provider's search find it" "^$TA " "$(md_ctl ticket search parcel --tenant wh --brand acme)"
lmtp --from erin@customer.example --to support@acme.example \
	--header "From: Erin <erin@customer.example>" --header "Subject: Broken box" --body "Box broken."
TE=$(sql "select number from tickets where subject = 'Broken box'")
wait_count alan@acme.example 2
settled
assert_eq "new mail goes to the brand's own team" "" "$(handled "$TE")"
assert_eq "the provider is not notified" 4 "$(count_for pia@wh.example)"
alan_before=$(count_for alan@acme.example)
lmtp --from carla@customer.example --to support@acme.example \
	--header "From: Carla <carla@customer.example>" --header "Subject: Re: Parcel late" \
	--header "In-Reply-To: <a1@customer.example>" --header "References: <a1@customer.example>" --body "Any news?"
wait_count alan@acme.example $((alan_before + 1))
settled
assert_eq "the follow-up joined the ticket" "0 $TA" \
	"$(sql "select (select count(*) from tickets where subject = 'Re: Parcel late') || ' ' ||
	(select t.number from messages m join tickets t on t.id = m.ticket_id where m.text_body like 'Any news?%')")"
assert_eq "a follow-up on the ticket the gone delegate had is announced to the brand's team" \
	$((alan_before + 1)) "$(count_for alan@acme.example)"
assert_eq "and the provider still hears nothing" 4 "$(count_for pia@wh.example)"
printf 'We will sort it out.\n' > "$W/alan2.txt"
ctl_err ticket reply "$TA" --from alan@acme.example --file "$W/alan2.txt"
assert_eq "the brand's agent may act on the old ticket again" 0 "$rc"
show=$(md_ctl connection show "$CA")
assert_match "connection show: inactive" '^active +no$' "$show"
assert_match "its history has the disconnect" 'maildeskctl disconnected: routing and webhooks stopped' "$show"

# --- reconnect undoes it
ctl_err connection reconnect "$CA"
assert_eq "reconnect exits 0" 0 "$rc"
ctl_err ticket reply "$TA" --from pia@wh.example --file "$W/pia.txt"
assert_eq "the provider's agent acts on the ticket it handled again" 0 "$rc"
assert_match "the list has it again" "^$TA +acme " "$(md_ctl ticket list --tenant wh --status solved)"
assert_eq "the ticket made meanwhile stays with the brand" "" "$(handled "$TE")"

# --- a provider agent who leaves the provider team stops acting
sql "delete from team_agents ta using agents a, tenants n where ta.agent_id = a.id and a.tenant_id = n.id and n.name = 'wh' and a.email = 'pia@wh.example'" >/dev/null
ctl_err ticket reopen "$TA" --by pia@wh.example
assert_match "out of the provider team, refused" 'no longer in the team of provider "wh"' "$err"
sql "insert into team_agents select a.tenant_id, m.id, a.id from agents a join teams m on m.tenant_id = a.tenant_id and m.name = 'ops' where a.email = 'pia@wh.example' and a.provider_agent_id is null" >/dev/null

# --- the support owner changes: open tickets move, or stay, as chosen
ctl_err connection set "$CA" --support-owner brand
assert_eq "--support-owner needs --move-open" 2 "$rc"
lmtp --from finn@customer.example --to support@acme.example \
	--header "From: Finn <finn@customer.example>" --header "Subject: Open one" --body "Hi."
TF=$(sql "select number from tickets where subject = 'Open one'")
assert_eq "a new open ticket is the provider's" "$(sql "select id from tenants where name = 'wh'")" "$(handled "$TF")"
ctl_err connection set "$CA" --support-owner brand --move-open yes
assert_match "--move-open yes moves the open tickets" "connection $CA changed; 1 open tickets moved" "$out"
assert_eq "the open ticket is the brand's now" "" "$(handled "$TF")"
assert_eq "the solved one stays where it was" "$(sql "select id from tenants where name = 'wh'")" "$(handled "$TA")"
ctl_err connection set --provider wh --brand acme --support-owner provider --move-open no --warehouse MAD-2
assert_eq "--move-open no" 0 "$rc"
assert_eq "leaves the open ticket with the brand" "" "$(handled "$TF")"
show=$(md_ctl connection show "$CA" --json)
assert_match "the history records the moves" 'brand -> provider, open tickets left where they were' "$show"
assert_match "and the first" 'provider -> brand, 1 open tickets moved' "$show"
assert_match "and the warehouse changed" '"warehouse": "MAD-2"' "$show"

# --- removing the provider gives its brands' tickets back, its delegates and connections go
n_acme=$(sql "select count(*) from tickets t join tenants n on n.id = t.tenant_id where n.name = 'acme'")
ctl_err tenant remove wh --confirm wh
assert_eq "tenant remove of a provider with connections exits 0" 0 "$rc"
assert_eq "no connection names it any more" 0 "$(sql "select count(*) from connections c left join tenants n on n.id = c.provider_id where n.id is null or n.name = 'wh'")"
assert_eq "no delegate agent is left in the brands" 0 "$(sql "select count(*) from agents where via_connection is not null")"
assert_eq "the brand keeps every ticket" "$n_acme" "$(sql "select count(*) from tickets t join tenants n on n.id = t.tenant_id where n.name = 'acme'")"
assert_eq "and handles them itself" 0 "$(sql "select count(*) from tickets where handled_by is not null")"
ctl_err tenant remove acme --confirm acme
assert_eq "then the brand can be removed too" 0 "$rc"

e2e_done
