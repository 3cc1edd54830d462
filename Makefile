# Thin wrapper for a fresh clone: `make run` and `make check` install what is
# missing (as root), bootstrap autotools, configure an out-of-tree build in
# build/ and drive it. Once ./configure has been run in the source tree the
# generated GNUmakefile takes precedence (GNU make reads it first), so the
# usual `./configure && make && make install` works for packagers.
BUILD ?= build
CONFIGURE_FLAGS ?= --enable-werror
TARGETS = all run check distcheck install uninstall check-asan bench

.PHONY: $(TARGETS) deps clean distclean
$(TARGETS): $(BUILD)/GNUmakefile
	$(MAKE) -C $(BUILD) $@

deps:
	build-aux/deps.sh

configure: configure.ac GNUmakefile.am $(wildcard */*.mk */*/*.mk)
	build-aux/deps.sh
	autoreconf -fi

$(BUILD)/GNUmakefile: configure
	build-aux/deps.sh
	mkdir -p $(BUILD)
	cd $(BUILD) && ../configure $(CONFIGURE_FLAGS)

clean:
	[ ! -f $(BUILD)/GNUmakefile ] || $(MAKE) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
