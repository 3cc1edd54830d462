# Thin wrapper for a fresh clone: `make run` and `make check` install what is
# missing (as root), bootstrap autotools, configure an out-of-tree build in
# build/ and drive it. Once ./configure has been run in the source tree the
# generated GNUmakefile takes precedence (GNU make reads it first), so the
# usual `./configure && make && make install` works for packagers.
#
# Each target installs only the Debian packages it uses (build-aux/deps.sh
# groups): building needs `build`, `make run` adds `run` (PostgreSQL and the
# demo's mail client, no MTA), `make check` adds the tests' tools (`check`),
# `make bench` the peers it measures against (`bench`).
BUILD ?= build
CONFIGURE_FLAGS ?= --enable-werror
DEPS = build-aux/deps.sh

.PHONY: all run check check-asan distcheck install uninstall bench deps clean distclean
all install uninstall: $(BUILD)/GNUmakefile
	$(MAKE) -C $(BUILD) $@

run: $(BUILD)/GNUmakefile
	$(DEPS) build run
	$(MAKE) -C $(BUILD) $@

check check-asan distcheck: $(BUILD)/GNUmakefile
	$(DEPS) build run check
	$(MAKE) -C $(BUILD) $@

bench: $(BUILD)/GNUmakefile
	$(DEPS) build run bench
	$(MAKE) -C $(BUILD) $@

deps:
	$(DEPS)

configure: configure.ac GNUmakefile.am $(wildcard */*.mk */*/*.mk)
	$(DEPS) build
	autoreconf -fi

$(BUILD)/GNUmakefile: configure
	$(DEPS) build
	mkdir -p $(BUILD)
	cd $(BUILD) && ../configure $(CONFIGURE_FLAGS)

clean:
	[ ! -f $(BUILD)/GNUmakefile ] || $(MAKE) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
