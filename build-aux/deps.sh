#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages maildesk needs.
#
# Usage: build-aux/deps.sh [--check] [GROUP...]
#   GROUP is build (compile), run (`make run`: PostgreSQL and the demo's
#   client), check (`make check`: every test's tools) or bench (`make bench`:
#   the peers the benchmarks measure against). No GROUP means build, run and
#   check. --check only reports what is missing.
#   build-aux/deps.sh --list GROUP...      prints a group's packages
#   build-aux/deps.sh --list-for FILE...   prints the packages of those scripts
#   build-aux/deps.sh --scripts            prints every script in SCRIPT_DEPS
# Exit 0 when everything is present, 1 when something is missing and could not
# be installed.
BUILD_PKGS="autoconf automake libtool pkg-config make gcc
 libgmime-3.0-dev libetpan-dev libpq-dev libuv1-dev libssl-dev check
 libjansson-dev libxml2-dev libuchardet-dev libsystemd-dev libytnef0-dev
 libpcre2-dev libpsl-dev libidn2-dev libmicrohttpd-dev libunbound-dev
 libevent-dev nettle-dev libzip-dev libcurl4-gnutls-dev"
# (libevent-dev and nettle-dev only because Debian 12's libunbound.pc lists
# libevent, nettle and hogweed in Requires.private without libunbound-dev
# depending on them: pkg-config refuses libunbound without their .pc files.)
# `make run`: a private PostgreSQL cluster, the Public Suffix List libpsl
# reads at run time, and swaks to send the demo's sample mail.
RUN_PKGS="postgresql-15 postgresql-client-15 publicsuffix media-types swaks openssl util-linux procps"

# What each test and benchmark script runs, by Debian package: "FILE...:
# PACKAGE...". A script also gets the packages of the scripts it sources and
# of t/test-env (every test runs under it). t/test-deps.sh checks this table
# against the programs and Perl/Python modules each script really uses, and
# that every script in t/ and bench/ is named here.
SCRIPT_DEPS='
t/test-env t/pg-cluster.sh: postgresql-15 util-linux procps
t/test-deps.py: dpkg perl python3
t/md-instance.sh t/demo-run.sh: postgresql-client-15 python3 swaks
t/e2e-lib.sh: postgresql-client-15 python3 openssl postfix
t/e2e-make-run.sh: make
t/e2e-lmtp.sh: swaks postfix
t/e2e-smtp.sh: swaks libnet-ssleay-perl libio-socket-ssl-perl postfix openssl
t/e2e-thread.sh t/e2e-agent.sh t/e2e-verp.sh t/e2e-loop.sh t/e2e-ctl.sh t/e2e-desk-cli.sh: swaks postfix
t/e2e-outbound.sh t/e2e-purge.sh t/e2e-rules.sh t/e2e-timers.sh t/e2e-queue.sh: swaks postfix
t/e2e-orders.sh: swaks postfix python3
t/e2e-lifecycle.sh: swaks python3 postgresql-client-15
t/e2e-postfix.sh: postfix postfix-pcre swaks
t/e2e-scaleout.sh t/scaleout-client.py: swaks postfix python3
t/e2e-schema-keys.sh: postgresql-client-15
t/e2e-requests.sh: swaks postfix coreutils
t/e2e-brands.sh: swaks postfix coreutils
t/e2e-http.sh: curl coreutils
t/e2e-intake.sh: postfix coreutils sed curl python3 chromium-driver
t/e2e-idempotency.sh: curl coreutils sed
t/intake-browser.py: python3 chromium chromium-driver coreutils
t/e2e-limits.sh: swaks postfix libc-bin
t/e2e-routes.sh t/e2e-relay-stall.sh: python3 postgresql-client-15
t/e2e-bounce-dsn.sh: swaks postfix python3
t/e2e-workers.sh: swaks postfix postgresql-client-15
t/e2e-relay-tls.sh t/relay-tls-sink.py: python3 openssl postgresql-client-15
t/e2e-trust.sh: swaks postfix
t/e2e-authres.sh: postfix opendkim swaks openssl python3 python3-dkim
t/e2e-trust-control.sh t/e2e-trust-participants.sh: swaks postfix
t/e2e-systemd.sh: systemd make python3
t/e2e-socket-activation.sh: systemd swaks python3
t/test-completion.sh: bash
t/test-no-sql.sh: findutils grep sed coreutils
t/e2e-metrics.sh t/metrics-scrape.py: python3-prometheus-client swaks postfix python3
t/e2e-domain.sh t/dkim-dns-stub.sh: dnsmasq-base python3-dnspython
t/e2e-dkim.sh t/dkim-domains.sh: swaks postfix
t/dkim-verify.sh: postfix opendkim python3-dkim python3-nacl python3-dnspython
t/dkim-pyverify.sh t/dkimverify-stub.py: python3-dkim python3-nacl python3-dnspython openssl
t/e2e-attach.sh t/attach-mail.py: swaks postfix python3 coreutils postgresql-client-15
t/e2e-imap.sh t/imap-client.py t/oauth2-introspect.py: dovecot-core dovecot-imapd openssl python3 postgresql-client-15 coreutils procps
t/e2e-remove.sh: swaks libnet-ssleay-perl libio-socket-ssl-perl python3 postgresql-client-15 coreutils
t/e2e-privacy.sh: swaks python3 postgresql-client-15 coreutils
t/e2e-webhooks.sh t/webhook-receiver.py: swaks postfix python3 postgresql-client-15 coreutils
bench/ingest: dovecot-core dovecot-lmtpd python3 postgresql-client-15
bench/bench-lib.sh bench/mail-client.py: python3 coreutils
bench/outbound: postfix opendkim dnsmasq-base python3-dkim python3-nacl python3-dnspython openssl python3 postgresql-client-15 coreutils linux-perf
bench/dkim: python3-dkim python3-nacl openssl
bench/rules: postfix-pcre
bench/snooze: postgresql-15
'
# The scripts `make bench` runs and those `make run` runs (the others are
# `make check`'s).
BENCH_SCRIPTS="bench/ingest bench/outbound bench/bench-lib.sh bench/mail-client.py bench/dkim bench/rules bench/snooze"
RUN_SCRIPTS="t/md-instance.sh t/demo-run.sh"

# The packages of the table lines that name any of the given files.
packages_for() {
	echo "$SCRIPT_DEPS" | while IFS= read -r line; do
		[ -n "$line" ] || continue
		files=${line%%:*}
		for want in "$@"; do
			for f in $files; do
				[ "$f" = "$want" ] && { echo "${line#*:}" | tr ' ' '\n' | grep -v '^$'; break 2; }
			done
		done
	done | sort -u
}

# Every script named in the table.
all_scripts() {
	echo "$SCRIPT_DEPS" | sed -n 's/:.*//p' | tr ' ' '\n' | grep -v '^$'
}

# The packages of one group.
group_packages() {
	case $1 in
	build) echo $BUILD_PKGS ;;
	run) echo $RUN_PKGS; packages_for $RUN_SCRIPTS ;;
	check) packages_for $(all_scripts | grep -vxF "$(echo $BENCH_SCRIPTS $RUN_SCRIPTS | tr ' ' '\n')") ;;
	bench) packages_for $BENCH_SCRIPTS ;;
	*) echo "build-aux/deps.sh: unknown group '$1' (build, run, check or bench)" >&2; exit 2 ;;
	esac
}

check_only=no
case ${1:-} in
--list) shift; for g in "$@"; do group_packages "$g" || exit 2; done | tr ' ' '\n' | grep -v '^$' | sort -u; exit 0 ;;
--list-for) shift; packages_for "$@"; exit 0 ;;
--scripts) all_scripts; exit 0 ;;
--check) check_only=yes; shift ;;
esac
[ $# -gt 0 ] || set -- build run check

PKGS=""
for g in "$@"; do
	PKGS="$PKGS $(group_packages "$g")" || exit 2
done

missing=""
for p in $(echo $PKGS | tr ' ' '\n' | sort -u); do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
[ $check_only = yes ] && { echo "missing:$missing"; exit 1; }
if [ "$(id -u)" != 0 ]; then
	echo "maildesk: missing Debian packages. As root, run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "maildesk: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests run private Postfix instances of their own and never touch the
# system's; Postfix's package still asks how the system one should be set up,
# and a local-only answer is the one that changes nothing on a test host. Only
# asked when Postfix is being installed (`make check`, `make bench`), never by
# `make run`, which needs no MTA.
if echo "$missing" | grep -qw postfix && command -v debconf-set-selections >/dev/null; then
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string $(hostname -f 2>/dev/null || hostname)" | debconf-set-selections
fi
apt-get update -q >&2 || exit 1
apt-get install -y -q --no-install-recommends $missing >&2 || exit 1
