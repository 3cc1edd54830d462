#!/bin/sh
# Bash completion of maildeskctl (contrib/maildeskctl.bash) against the built
# program: command words, subcommands, a command's options, and -c FILE
# skipped. Runs the completion function as bash would, with COMP_WORDS set.
set -u
. "$top_srcdir/t/e2e-lib.sh"
comp() {
	PATH="$top_builddir/daemon:$PATH" bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_maildeskctl; echo "${COMPREPLY[*]}"' comp "$top_srcdir/contrib/maildeskctl.bash" "$@"
}
assert_match "the first word offers the command groups, once each" '^agent apikey attachment audit channel chat connection contact db domain event event-type form message queue reason request retention rule sla status team template tenant ticket webhook$' "$(comp maildeskctl '')"
assert_eq "a prefix narrows them" queue "$(comp maildeskctl qu)"
assert_eq "a group offers its commands" "delete flush hold inject list purge release retry show" "$(comp maildeskctl queue '')"
assert_eq "a command offers its options" "--all-deferred" "$(comp maildeskctl queue hold --)"
assert_eq "-c FILE is skipped" "release retry" "$(comp maildeskctl -c /etc/maildesk/maildesk.conf queue re)"
assert_match "options of a longer command" '--tenant' "$(comp maildeskctl team add support --)"
assert_eq "domain check offers --json" "--json" "$(comp maildeskctl domain check acme.example --)"
assert_eq "contact offers the privacy commands" "erase export show" "$(comp maildeskctl contact '')"
e2e_done
