"""`erpgate demo`: the mock ERP, the app, and seeded data on the embedded defaults."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings, load_settings
from erpgate.customer import service as customer_service
from erpgate.db.engine import create_engine, create_session_factory, transaction
from erpgate.db.migrate import upgrade_to_head
from erpgate.erp.endpoints import Endpoint
from erpgate.integration import service as integration_service
from erpgate.kit.crypto import SecretBox
from erpgate.kit.modules import optional_import
from erpgate.mock_erp.paths import PATHS
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.store import Store
from erpgate.models.user import PERMISSIONS
from erpgate.store import service as store_service

DEMO_STORE = "demo"
DEMO_ERP_TOKEN = "demo-erp-token"  # noqa: S105  (the mock ERP's own demo credential)
# (e-mail, password, name, permissions, index of the customer account below): two buyers of Acme
# (which has contract prices in the mock ERP) and one of Gibsonburg (list prices).
DEMO_BUYERS = (
    ("buyer@example.com", "demo-buyer", "Bea Buyer", PERMISSIONS, 0),
    ("viewer@example.com", "demo-viewer", "Vic Viewer", ("orders",), 0),
    ("gina@example.com", "demo-gina", "Gina Gibson", PERMISSIONS, 1),
)
# Domains that add their own demo data (catalog, admin accounts, ...) with `demo.seed(db, ctx)`.
SEEDING_DOMAINS = ("admin", "storefront", "checkout", "event", "notification")


@dataclass
class DemoContext:
    settings: Settings
    store: Store
    accounts: list[CustomerAccount]
    erp_urls: dict[str, str]
    printed: list[str] = field(default_factory=list)  # lines to print on start
    extra: dict[str, Any] = field(default_factory=dict)


def mock_erp_urls(erp_port: int) -> dict[str, str]:
    """Every endpoint of the demo's mock ERP: live prices and stock included."""
    return {name: f"http://127.0.0.1:{erp_port}{path}" for name, path in PATHS.items()}


async def seed_demo(db: AsyncSession, settings: Settings, erp_urls: dict[str, str]) -> DemoContext:
    """Create the demo store once; a second run leaves existing data alone but refreshes URLs."""
    box = SecretBox(settings.encryption_keys)
    store = await store_service.find_store_by_slug(db, DEMO_STORE)
    fresh = store is None
    if store is None:
        store = await store_service.create_store(
            db,
            slug=DEMO_STORE,
            name="Demo Industrial Supply",
            currency="USD",
            fallback_tax_rate="0.0725",
        )
    await integration_service.install(
        db,
        store.id,
        box,
        token=DEMO_ERP_TOKEN,
        urls={Endpoint(name): url for name, url in erp_urls.items()},
        notify_sender="erp-alerts@demo.example.com",
        notify_receivers=["it@demo.example.com"],
    )
    accounts = []
    for name, code in (("Acme Industrial Supply", "C0004935"), ("Gibsonburg Hardware", "C010268")):
        account = await customer_service.find_account_by_code(db, store.id, code)
        if account is None:
            account = await customer_service.create_account(
                db, store.id, name=name, customer_code=code
            )
        accounts.append(account)
    if fresh:
        for email, password, name, permissions, account_index in DEMO_BUYERS:
            await customer_service.create_buyer(
                db,
                store.id,
                customer_account_id=accounts[account_index].id,
                email=email,
                password=password,
                name=name,
                permissions=permissions,
            )
    context = DemoContext(settings=settings, store=store, accounts=accounts, erp_urls=erp_urls)
    # Only the accounts the store has: the mock ERP knows more customers, but a buyer or an admin
    # of the demo can reach only these.
    context.printed.append(
        "customer accounts: "
        + ", ".join(f"{account.name} ({account.customer_code})" for account in accounts)
    )
    for domain in SEEDING_DOMAINS:
        module = optional_import(f"erpgate.{domain}.demo")
        if module is not None:
            await module.seed(db, context, fresh=fresh)
    return context


async def _seed(
    settings: Settings, erp_urls: dict[str, str], erp: str = "mock", twin_port: int = 0
) -> DemoContext:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            context = await seed_demo(db, settings, erp_urls)
            await use_twin(db, settings, context, erp, f"http://127.0.0.1:{twin_port}")
            return context
    finally:
        await engine.dispose()


async def use_twin(
    db: AsyncSession, settings: Settings, context: DemoContext, erp: str, origin: str
) -> None:
    """Point the demo store's reads at an ERP twin through its shipped adapter profile, or (for
    the mock) back at the contract URLs."""
    integration = await integration_service.get_integration(db, context.store.id)
    assert integration is not None
    if erp == "mock":
        if integration.adapter is not None:
            integration.adapter = None
            integration_service.integration_changed(db)
        return
    from erpgate.erp.adapters.profile import shipped_profile, with_addresses
    from erpgate.integration.adapter import ADAPTABLE_NAMES, read_adapter_settings, stored_json
    from erpgate.twins.registry import adapter_addresses, adapter_credentials

    base_url, token_url = adapter_addresses(erp, origin)
    profile = with_addresses(shipped_profile(erp), base_url=base_url, token_url=token_url)
    chosen = read_adapter_settings(
        {"profile": profile.model_dump(mode="json"), "endpoints": list(ADAPTABLE_NAMES)}
    )
    key, token = adapter_credentials(erp)
    box = SecretBox(settings.encryption_keys)
    integration.adapter = stored_json(chosen, box, key=key, token=token, previous=None)
    integration_service.integration_changed(db)
    context.printed.append(
        f"orders, invoices and balance are read from the {profile.label} twin at {base_url}"
    )


def _wait_for(url: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own loopback mock)
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the mock ERP did not start at {url}")


def _end_on_signals() -> None:
    """Makes SIGTERM and SIGHUP end the demo the way Ctrl-C does: through ``run_demo``'s
    ``finally``, which stops the mock ERP. By default they kill the process outright and leave the
    mock ERP running on its port. uvicorn catches SIGTERM itself for a graceful stop, then raises it
    again with the handler it found, which is this one."""

    def exit_on(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    # A blocked signal stays pending whatever its handler, and the mask is inherited: a demo
    # started by a supervisor or CI runner that blocks these would never end on them. The mock
    # ERP, started after this, inherits the cleared mask and so stops on SIGTERM too.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGHUP, signal.SIGINT})

    signal.signal(signal.SIGTERM, exit_on)
    # SIGHUP (the terminal closed) becomes SIGTERM, so a running app also gets its graceful stop.
    signal.signal(signal.SIGHUP, lambda _signum, _frame: signal.raise_signal(signal.SIGTERM))


def _start_mock_erp(erp_port: int) -> subprocess.Popen[bytes]:
    # Its stdin is a pipe only this process holds: when this process ends in any way, even one
    # that runs no ``finally`` (SIGKILL), the pipe closes and the mock ERP stops. Its own start-up
    # lines (URLs, every customer code it knows) are not the demo's: the demo prints its own.
    return subprocess.Popen(  # noqa: S603 (our own CLI)
        [
            sys.executable,
            "-m",
            "erpgate.cli",
            "mock-erp",
            "--port",
            str(erp_port),
            "--token",
            DEMO_ERP_TOKEN,
            "--stop-when-stdin-closes",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )


def _stop_mock_erp(mock: subprocess.Popen[bytes]) -> None:
    mock.terminate()
    try:
        mock.wait(timeout=10)
    except subprocess.TimeoutExpired:
        mock.kill()
        mock.wait(timeout=10)


def _step(what: str) -> None:
    """What the demo is doing, as it starts: the first start takes a while on a slow machine."""
    print(f"erpgate demo: {what}…", flush=True)


def _database_name(url: str) -> str:
    """The database's kind and file, never a password (the demo's is SQLite unless set)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return f"SQLite at {Path(parsed.database).resolve()}"
    return parsed.get_backend_name()


def run_demo(*, port: int, erp_port: int, erp: str = "mock", twin_port: int = 8200) -> None:
    # Only the demo store, only the mock ERP's port and the twin's (the store is seeded before
    # the app starts).
    hosts = f"127.0.0.1:{erp_port}@{DEMO_STORE}"
    if erp != "mock":
        hosts += f",127.0.0.1:{twin_port}@{DEMO_STORE}"
    os.environ.setdefault("ERPGATE_ALLOWED_PRIVATE_HOSTS", hosts)
    os.environ.setdefault("ERPGATE_MAIL_BACKEND", "file")
    os.environ.setdefault("ERPGATE_PUBLIC_URL", f"http://127.0.0.1:{port}")
    settings = load_settings()
    _step(f"preparing the database ({_database_name(settings.database_url)})")
    upgrade_to_head(settings.database_url)
    erp_urls = mock_erp_urls(erp_port)
    _end_on_signals()
    _step(f"starting the mock ERP on port {erp_port}")
    mock = _start_mock_erp(erp_port)
    twin = None
    try:
        _wait_for(f"http://127.0.0.1:{erp_port}/")
        if erp != "mock":
            from erpgate.twins import start_twin

            _step(f"starting the {erp} twin on port {twin_port}")
            twin = start_twin(erp, twin_port)
            _wait_for(f"http://127.0.0.1:{twin_port}/")
        _step("seeding the demo store: its customer accounts, buyers, admins and catalog")
        context = asyncio.run(_seed(settings, erp_urls, erp, twin_port))
        _step(f"starting erpgate on port {port}")
        print(f"\nerpgate demo is running: http://127.0.0.1:{port}/")
        print(f"  storefront: http://127.0.0.1:{port}/store/{DEMO_STORE}/")
        for email, password, _name, permissions, account_index in DEMO_BUYERS:
            code = context.accounts[account_index].customer_code
            print(f"  buyer {email} / {password} ({code}: {', '.join(permissions)})")
        for line in context.printed:
            print(f"  {line}")
        print(f"  e-mails are written to {settings.mail_dir}/ as .eml files")
        print(f"  ERP contract: http://127.0.0.1:{port}/erp-contract/docs\n")
        import uvicorn

        uvicorn.run(
            "erpgate.app:create_app",
            factory=True,
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    finally:
        if twin is not None:
            _stop_mock_erp(twin)
        _stop_mock_erp(mock)
