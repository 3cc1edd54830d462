## Manual pages: the daemon, its configuration file and the command line.
dist_man_MANS += man/maildeskd.8 man/maildesk.conf.5 man/maildeskctl.1 man/maildesk-rules.5 man/maildesk-http.7
EXTRA_DIST += doc/openapi.yaml
