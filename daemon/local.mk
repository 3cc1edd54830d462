include $(srcdir)/daemon/maildeskd.mk
include $(srcdir)/daemon/metrics.mk
include $(srcdir)/daemon/ctl/ctl.mk
