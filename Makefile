.PHONY: install demo test lint bench soak stalls prices adapters screenshots contract-doc

install:
	scripts/install.sh

demo:
	WITH_SYSTEM=0 scripts/install.sh
	.venv/bin/erpgate demo

test:
	scripts/test.sh

lint: install
	.venv/bin/ruff check src tests bench docs/examples
	.venv/bin/ruff format --check src tests bench docs/examples
	.venv/bin/mypy
	.venv/bin/lint-imports

bench: install
	.venv/bin/python bench/run_all.py

soak: install
	.venv/bin/python bench/soak.py

stalls: install
	.venv/bin/python bench/stalls.py

prices: install
	.venv/bin/python bench/prices.py

adapters: install
	.venv/bin/python bench/adapter_pages.py

# Re-take the README's screenshots (the browser tests, writing into docs/screenshots).
screenshots: install
	ERPGATE_SCREENSHOTS=1 .venv/bin/pytest -q -m browser tests/storefront tests/admin

contract-doc:
	.venv/bin/python -m erpgate.erp.contract_openapi > docs/erp-contract.openapi.json
