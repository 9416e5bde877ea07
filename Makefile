# Arbor entry points. `make demo` and `make test` work on a fresh machine: they install
# what they need (as root, with apt-get) before building.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: build demo test unit interop bench deps test-deps format clean

build:
	$(DOTNET) publish src/Arbor.Cli/Arbor.Cli.csproj -c $(CONFIG) -r linux-x64 -o build/arbor --nologo -v quiet
	mkdir -p bin && ln -sfn ../build/arbor/arbor bin/arbor

deps:
	scripts/install-deps.sh runtime

test-deps:
	scripts/install-deps.sh test

demo: deps build
	scripts/demo.sh

test: test-deps build
	scripts/test.sh

bench: test-deps build
	bench/run.sh

format:
	$(DOTNET) format Arbor.sln

clean:
	rm -rf bin build src/*/bin src/*/obj tests/*/bin tests/*/obj
