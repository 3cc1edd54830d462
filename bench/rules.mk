## (being written)
bench-rules:
	@echo "bench/rules: not built yet"
