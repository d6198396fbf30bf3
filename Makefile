# Two commands do everything on a fresh Debian 12 machine (see README.md):
#   make run    install what is missing, build, run the server on the built-in configuration
#   make test   install what is missing, build, run every test (unit, integration, sanitizers, fuzz)

BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: run test deps build test-main test-sanitizers test-fuzz bench clean

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DSB_WERROR=ON $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/apps/switchboard/switchboard run

test: deps
	scripts/run-tests

bench: build
	@echo "bench: not wired yet"

clean:
	rm -rf build build-*
