# Local install of the provider, so `terraform init` finds it without dev_overrides:
#   make install            (builds release, installs into ~/.terraform.d/plugins)
# Overrides: PLUGIN_DIR=... (another implied mirror), PROVIDER_BIN=... (skip the build, install that binary).

VERSION    := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
OS         := $(shell uname -s | tr '[:upper:]' '[:lower:]')
ARCH       := $(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
PLUGIN_DIR ?= $(HOME)/.terraform.d/plugins
TARGET_DIR := $(shell cargo metadata --format-version 1 --no-deps 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
PROVIDER_BIN ?= $(TARGET_DIR)/release/terraform-provider-multicloud
DEST       := $(PLUGIN_DIR)/registry.terraform.io/multicloud/multicloud/$(VERSION)/$(OS)_$(ARCH)

.PHONY: install build release quickstart test bench docs
build:
	cargo build --release --bin terraform-provider-multicloud

install: $(if $(filter command line,$(origin PROVIDER_BIN)),,build)
	install -D -m 0755 "$(PROVIDER_BIN)" "$(DEST)/terraform-provider-multicloud_v$(VERSION)"
	@echo "installed $(DEST)/terraform-provider-multicloud_v$(VERSION)"

# Release zips, SHA256SUMS, manifest (and a signature with SIGN_KEY=...) in dist/VERSION.
release:
	bash scripts/release.sh $(if $(SIGN_KEY),--sign "$(SIGN_KEY)")

quickstart:
	bash scripts/quickstart.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

docs:
	cargo run -q --bin multicloud-docs
