## (being written)
bench-snooze:
	@echo "bench/snooze: not built yet"
