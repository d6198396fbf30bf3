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

# Side by side with Kamailio on this machine (bench/README.md); BENCH_ARGS=--quick for a short run.
bench:
	scripts/install-deps --bench
	cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSB_BUILD_TESTS=OFF >/dev/null
	cmake --build build-release -j $(JOBS) --target switchboard sip_message_bench call_line_bench call_flow_bench \
		register_flow_bench
	build-release/bench/micro/sip_message_bench
	build-release/bench/micro/call_line_bench
	build-release/bench/micro/call_flow_bench
	build-release/bench/micro/register_flow_bench
	cc -O2 -Wall -Wextra -o build-release/bench/udp_floor bench/system/floor/udp_floor.c
	bench/system/compare.py --floor build-release/bench/udp_floor $(BENCH_ARGS)

clean:
	rm -rf build build-*
