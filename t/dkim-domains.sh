# Sending domains for the DKIM tests, made the way an operator makes them
# (sourced after md_instance_init and t/dkim-dns-stub.sh):
#   domain_add DOMAIN --shared | --tenant T   "maildeskctl domain add", then
#                                             every record "domain show"
#                                             prints goes to the DNS stub
#   domain_verify DOMAIN                      "maildeskctl domain check"
#                                             (dns_resolver is the stub)

domain_add() {
	md_ctl domain add "$@" >/dev/null || return 1
	md_ctl domain show "$1" --json | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["records"]:
    print(r["type"], r["name"], r["value"], sep="\t")' >"$MD_TEST_TMP/records"
	while IFS="$(printf '\t')" read -r _type _name _value; do
		case $_type in
		TXT) dns_stub_txt "$_name" "$_value" ;;
		MX) printf 'mx-host=%s,%s,%s\n' "$_name" "${_value#* }" "${_value%% *}" >>"$DNS_STUB_CONF" ;;
		esac
	done <"$MD_TEST_TMP/records"
}

domain_verify() {
	md_ctl domain check "$1" >"$MD_TEST_TMP/check-$1.out" 2>&1
}
