# Two commands do everything on a fresh machine, as root:
#   make run   installs what is missing, builds, enables tagging, starts the live view
#   make test  installs what is missing, builds, runs every test
#   make kernel-table  runs the kernel matrix and rewrites README's kernel table
#   make bench installs what is missing (and bpftrace, BCC), builds bench/,
#              measures pooltag's overhead (docs/performance.md)
#   make fuzz  runs every libFuzzer target (ASan+UBSan) for FUZZ_TIME seconds
#              in total (default 600), docs/reliability.md
#   make soak  10 million allocation events of churn under readers; exact
#              counts afterwards (SOAK_EVENTS=N to change), docs/reliability.md
#   make bench-export  times a scrape of pooltag export at 1,000,000
#              outstanding allocations (docs/export.md)
# Installing (docs/install.md):
#   make install [PREFIX=/usr] [DESTDIR=...]   cmake --install (default prefix /usr/local)
#   make deb                                   $(BUILD)/pooltag_VERSION_ARCH.deb, with CPack
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build run test fuzz soak bench bench-export clean install deb kernel-table

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/pooltag status >/dev/null 2>&1 || $(BUILD)/pooltag enable
	@exec $(BUILD)/pooltag mon

test: build
	@ctest --test-dir $(BUILD) --output-on-failure

# The README's table of supported kernels, from the kernel matrix's logs
# (build/kernels/*.log, written by `ctest -L kernels`, run here first).
kernel-table: build
	@ctest --test-dir $(BUILD) -L kernels -E kernels.readme --output-on-failure
	@python3 tests/kernels/kernel_table.py $(BUILD)/kernels README.md

# Every fuzz target for its share of FUZZ_TIME seconds (scripts/fuzz.sh).
FUZZ_TIME ?= 600
fuzz: build
	@scripts/fuzz.sh $(BUILD) $(FUZZ_TIME)

# The soak: two churn threads, SOAK_EVENTS allocation events, readers in a
# loop; ends with the figures and exact counts (tests/soak/soak.cpp).
SOAK_EVENTS ?= 10000000
soak: build
	@$(BUILD)/tests/pooltag-soak --events $(SOAK_EVENTS)

# The overhead benchmark: bpftrace is its external reference, BCC is there to
# show whether its memleak runs on this kernel. Results: bench/results/*.json.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--repetitions 9 --workloads eventfd".
bench:
	@scripts/install-deps.sh bpftrace bpfcc-tools linux-perf
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOOLTAG_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target pooltag pooltag-bench pooltag-churn pooltag-jit-profile
	@$(BUILD)/bench/pooltag-bench $(BENCH_ARGS)

# A scrape of `pooltag export` with a million outstanding allocations
# (docs/export.md): scrape time and the exporter's resident size.
bench-export:
	@scripts/install-deps.sh
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOOLTAG_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target pooltag pooltag-export-bench
	@$(BUILD)/bench/pooltag-export-bench $(BENCH_ARGS)

install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

deb: build
	@cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD)
