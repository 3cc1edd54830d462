## (being written)
bench-dkim:
	@echo "bench/dkim: not built yet"
