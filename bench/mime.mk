## The hostile-header benchmark: bench/mime-hostile prints the CPU time of
## mime_parse() on 300 KB (or argv[1] KB) headers built to be quadratic.
## Built with `make check` too, so it keeps compiling; run by `make bench-mime`.
check_PROGRAMS += bench/mime-hostile
bench_mime_hostile_SOURCES = bench/mime-hostile.c
bench_mime_hostile_LDADD = lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS)

bench-mime: bench/mime-hostile$(EXEEXT)
	./bench/mime-hostile$(EXEEXT) 300
.PHONY: bench-mime
