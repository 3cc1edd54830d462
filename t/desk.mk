## lib/desk: the template expander (pure), and working from the shell end
## to end (maildeskctl ticket reply/note/new, templates, #template in a
## mailed answer, acknowledgements); included at the end of t/local.mk.
check_PROGRAMS += t/test-template
TESTS += t/test-template t/e2e-desk-cli.sh
t_test_template_SOURCES = t/test-template.c
t_test_template_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_template_LDADD = lib/desk/libmddesk.a lib/base/libmdbase.a $(CHECK_LIBS)
EXTRA_DIST += t/e2e-desk-cli.sh
