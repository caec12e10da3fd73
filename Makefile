.PHONY: install demo test lint bench soak contract-doc

install:
	scripts/install.sh

demo:
	WITH_SYSTEM=0 scripts/install.sh
	.venv/bin/erpgate demo

test:
	scripts/test.sh

lint: install
	.venv/bin/ruff check src tests bench migrations
	.venv/bin/ruff format --check src tests bench migrations
	.venv/bin/mypy
	.venv/bin/lint-imports

bench: install
	.venv/bin/python bench/run_all.py

soak: install
	.venv/bin/python bench/soak.py

contract-doc:
	.venv/bin/python -m erpgate.erp.contract_openapi > docs/erp-contract.openapi.json
