dist_sysconf_DATA =
EXTRA_DIST += conf/maildesk.conf systemd/maildeskd.service
