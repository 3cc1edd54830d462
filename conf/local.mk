## The example configuration is installed once (never over an existing
## file); the systemd unit gets the configured paths substituted.
maildeskconfdir = $(sysconfdir)/maildesk
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = systemd/maildeskd.service systemd/maildeskd.socket
EXTRA_DIST += conf/maildesk.conf systemd/maildeskd.service.in systemd/maildeskd.socket systemd/maildesk.sysusers systemd/maildesk.tmpfiles
## The maildesk user and its folders on a fresh system (systemd-sysusers and
## systemd-tmpfiles read these at boot and when a package is installed).
sysusersdir = $(prefix)/lib/sysusers.d
tmpfilesdir = $(prefix)/lib/tmpfiles.d
CLEANFILES += systemd/maildeskd.service

systemd/maildeskd.service: $(srcdir)/systemd/maildeskd.service.in GNUmakefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/systemd/maildeskd.service.in > $@

## Bash completion for maildeskctl (bash-completion looks in
## $(datadir)/bash-completion/completions, /usr/local/share included).
bashcompdir = $(datadir)/bash-completion/completions

install-data-local:
	$(MKDIR_P) $(DESTDIR)$(bashcompdir)
	$(INSTALL_DATA) $(srcdir)/contrib/maildeskctl.bash $(DESTDIR)$(bashcompdir)/maildeskctl
	$(MKDIR_P) $(DESTDIR)$(sysusersdir) $(DESTDIR)$(tmpfilesdir)
	$(INSTALL_DATA) $(srcdir)/systemd/maildesk.sysusers $(DESTDIR)$(sysusersdir)/maildesk.conf
	$(INSTALL_DATA) $(srcdir)/systemd/maildesk.tmpfiles $(DESTDIR)$(tmpfilesdir)/maildesk.conf
	$(MKDIR_P) $(DESTDIR)$(maildeskconfdir)
	test -f $(DESTDIR)$(maildeskconfdir)/maildesk.conf || \
		$(INSTALL_DATA) $(srcdir)/conf/maildesk.conf $(DESTDIR)$(maildeskconfdir)/maildesk.conf

uninstall-local:
	rm -f $(DESTDIR)$(bashcompdir)/maildeskctl
	rm -f $(DESTDIR)$(sysusersdir)/maildesk.conf $(DESTDIR)$(tmpfilesdir)/maildesk.conf
	cmp -s $(srcdir)/conf/maildesk.conf $(DESTDIR)$(maildeskconfdir)/maildesk.conf && \
		rm -f $(DESTDIR)$(maildeskconfdir)/maildesk.conf || true
