sbin_PROGRAMS += daemon/maildeskd
daemon_maildeskd_SOURCES = daemon/maildeskd.c
