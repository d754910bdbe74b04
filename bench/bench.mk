# Benchmarks: postino against Postfix+Dovecot / Dovecot on loopback, in the same run.
# Included from the top-level Makefile. Run as root (the peers are installed from Debian and
# run as private instances); not part of `make test`. Results: docs/BENCHMARKS.md.
# Each script takes its size from the environment, e.g. `SESSIONS=5 MESSAGES=500 make bench-smtp`.

.PHONY: bench bench-smtp bench-pop3 bench-imap bench-imap-idle bench-queue

BENCH_ENV = POSTINO_BIN=$(CURDIR)/$(BUILD)/postino

bench: bench-smtp bench-pop3 bench-imap

bench-smtp: build
	@$(BENCH_ENV) bench/smtp.sh

bench-pop3: build
	@$(BENCH_ENV) bench/pop3.sh

bench-imap: build
	@$(BENCH_ENV) bench/imap.sh
	@$(BENCH_ENV) bench/imap_idle_mem.sh

bench-imap-idle: build
	@$(BENCH_ENV) bench/imap_idle_mem.sh

bench-queue: build
	@$(BENCH_ENV) bench/queue.sh
