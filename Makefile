# citygrid — a thin front over CMake. The two commands a new user needs:
#   make run     install what is missing, build, create the demo data, serve
#   make check   build and run every test suite (what CI runs)
# Other targets: build, deps, demo, bench, screenshots, format, clean.

BUILD    ?= build
DATA     ?= demo-data
LISTEN   ?= 127.0.0.1:8080
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build deps run demo check check-werror check-asan bench asan \
        screenshots format clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	@sh scripts/demo.sh $(BUILD)/citygrid $(DATA)

run: demo
	@echo "demo users and their passwords:"
	@cat $(DATA)/demo-passwords.txt
	@echo "dashboard: http://$(LISTEN)/   public pages: http://$(LISTEN)/public"
	@$(BUILD)/citygrid --data $(DATA) serve --listen $(LISTEN)

# Every suite, in two builds: warnings as errors, and AddressSanitizer +
# UndefinedBehaviorSanitizer.
check: check-werror check-asan

check-werror: deps
	@cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCG_WERROR=ON >/dev/null
	@cmake --build build-ci -j$(JOBS)
	@cd build-ci && ctest --output-on-failure -j$(JOBS)

check-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCG_WERROR=ON -DCG_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j$(JOBS)

bench: build
	@sh bench/run.sh $(BUILD)

# The screenshots in docs/screenshots/, taken by the browser tests.
screenshots: build
	@cd $(BUILD) && CG_SCREENSHOTS=$(CURDIR)/docs/screenshots \
	  ctest -R browser --output-on-failure

format:
	@clang-format -i src/*/*.c src/*/*.h tests/*.c tests/*.h tests/*/*.c bench/*.c

clean:
	rm -rf $(BUILD) build-ci build-asan
