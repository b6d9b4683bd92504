# Two commands do everything on a fresh machine, as root:
#   make run   installs what is missing, builds, enables tagging, starts the live view
#   make test  installs what is missing, builds, runs every test
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/pooltag status >/dev/null 2>&1 || $(BUILD)/pooltag enable
	@exec watch -n 2 -t "$(CURDIR)/$(BUILD)/pooltag used -n 40"

test: build
	@ctest --test-dir $(BUILD) --output-on-failure

clean:
	rm -rf $(BUILD)
