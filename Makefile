# postino — the two commands a fresh Debian 12 machine needs:
#   make run    install what is missing, build, start on loopback with a demo account
#   make test   install what is missing, build, run every test (unit, fuzz seeds,
#               integration, and the same suite under ASan+UBSan)
# Also: make build (binary at build/postino), make fuzz, make bench (bench/bench.mk), make clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CMAKE_ARGS ?=
ifeq ($(CI),true)
CMAKE_ARGS += -DPOSTINO_WERROR=ON
endif
JOBS ?= $(shell nproc)

.PHONY: all deps test-deps build run test test-fast test-asan fuzz clean

all: build

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

build: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS) >/dev/null
	@ninja -C $(BUILD) -j$(JOBS)

run: build
	@scripts/run.sh

# Release build: unit tests, fuzz seed corpora, integration tests.
test-fast: test-deps
	@scripts/test.sh $(BUILD) "$(CMAKE_ARGS)"

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: test-deps
	@scripts/test.sh $(ASAN_BUILD) "$(CMAKE_ARGS) -DPOSTINO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

test: test-fast test-asan

# libFuzzer builds (clang-14); FUZZ_SECONDS per target.
fuzz: test-deps
	@scripts/fuzz.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
-include bench/bench.mk
