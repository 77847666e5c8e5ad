# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
# Each bootstraps what it needs: a .venv with the package and the extras it uses
# (the demo: only the plot extra; the tests: everything, PyTorch included), and
# Debian's graphviz (and chromium for the browser test) when missing and we are root.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# two stamps: the demo's install is a part of the tests', so `make demo` never waits
# for PyTorch and `make test` after it only adds what is missing
DEMO_STAMP := $(VENV)/.installed-demo
STAMP   := $(VENV)/.installed
OUT     ?= out
# wait (up to 10 min) for another install's package lock instead of failing at once
APT     := apt-get -o DPkg::Lock::Timeout=600

.PHONY: demo test bench lint system-deps browser-deps clean

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[plot]'
	touch $@

$(STAMP): $(DEMO_STAMP)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[plot,live,test]'
	touch $@

system-deps:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's graphviz (dot)"; \
	    $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq graphviz >/dev/null; \
	  else echo "note: 'dot' is missing; install Debian's graphviz (sudo apt-get install graphviz)"; fi; \
	fi

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium and chromium-driver (browser test)"; \
	    $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "note: chromium/chromedriver missing; the browser test needs them"; fi; \
	fi

demo: $(DEMO_STAMP) system-deps
	$(BIN)/python -m neurograph demo --out $(OUT)/demo

test: $(STAMP) system-deps browser-deps
	$(BIN)/ruff check neurograph tests examples bench
	$(BIN)/python -m pytest -q --durations=10

bench: $(STAMP) system-deps
	@# writes BENCHMARKS.md only from a quiet machine (exit 3 otherwise); BENCH_ARGS=--case NAME ...
	$(BIN)/python bench/run.py --write BENCHMARKS.md $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check neurograph tests examples bench

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
