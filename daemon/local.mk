## maildeskd (daemon/maildeskd.mk) joins the build once its modules exist.
include $(srcdir)/daemon/ctl/ctl.mk
