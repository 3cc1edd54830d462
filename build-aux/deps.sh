#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages maildesk needs to
# build, test and run. Usage: build-aux/deps.sh [--check]
# Exit 0 when everything is present, 1 when something is missing and could not
# be installed.
BUILD_PKGS="autoconf automake libtool pkg-config make gcc
 libgmime-3.0-dev libetpan-dev libpq-dev libuv1-dev libssl-dev check
 libjansson-dev libxml2-dev libuchardet-dev libsystemd-dev libytnef0-dev
 libpcre2-dev libpsl-dev"
RUN_PKGS="postgresql-15 postgresql-client-15 postfix swaks openssl util-linux procps publicsuffix"
# Independent checkers the tests use: DKIM verifiers and a DNS server.
TEST_PKGS="postfix-pcre opendkim python3-dkim python3-nacl python3-dnspython dnsmasq-base"
PKGS="$BUILD_PKGS $RUN_PKGS $TEST_PKGS"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
[ "$1" = "--check" ] && { echo "missing:$missing"; exit 1; }
if [ "$(id -u)" != 0 ]; then
	echo "maildesk: missing Debian packages. As root, run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "maildesk: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how it should be configured; a local-only default is right for a
# test or demo host and changes nothing that is already set up.
if echo "$missing" | grep -q postfix && command -v debconf-set-selections >/dev/null; then
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string $(hostname -f 2>/dev/null || hostname)" | debconf-set-selections
fi
apt-get update -q >&2 || exit 1
apt-get install -y -q --no-install-recommends $missing >&2 || exit 1
