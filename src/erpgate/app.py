"""Composition root of the web app: builds state, wires every domain's routes and background work."""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from erpgate import __version__
from erpgate.config import ConfigError, Settings, load_settings
from erpgate.db.engine import create_engine, create_session_factory
from erpgate.delivery.figures import delivery_families
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.metrics import BreakerStateCollector
from erpgate.erp.outcome import NullSink
from erpgate.errors import AppError
from erpgate.kit import tracing
from erpgate.kit.clock import Clock
from erpgate.kit.crypto import SecretBox
from erpgate.kit.metrics import Families, exposition, process_exited
from erpgate.kit.modules import optional_import
from erpgate.logging import configure_logging, get_logger, level_number
from erpgate.notification.figures import outbox_families
from erpgate.problem.figures import problem_families
from erpgate.storefront.deps import storefront_slug
from erpgate.storefront.fast_lane import FastLane
from erpgate.storefront.pages import error_page_context
from erpgate.web.api_docs import CONTRACT_OPENAPI_URL, add_api_docs
from erpgate.web.gc_tuning import tune_after_startup
from erpgate.web.loop_lag import LoopLagMonitor
from erpgate.web.observe import Observe
from erpgate.web.pages import render
from erpgate.web.probes import database_figures, database_problem, install_drain_on_sigterm
from erpgate.web.request_guard import RequestGuard
from erpgate.web.responses import JsonResponse, wants_json
from erpgate.web.security_headers import SecurityHeaders
from erpgate.web.state import AppState
from erpgate.web.validation import field_name, human_message

log = get_logger(__name__)

# Domains in start-up order. Each may have `endpoints.router` and `lifecycle.startup/shutdown`;
# the outcome writer starts before anything that could call the ERP, and stops after.
DOMAINS = (
    "outcomes",
    "breaker",
    "problem",
    "event",
    "notification",
    "delivery",
    "auth",
    "store",
    "customer",
    "integration",
    "adapter",
    "storefront",
    "checkout",
    "admin",
)


# Routes are matched in this order: the storefront's reads, the hottest paths, first.
ROUTE_DOMAINS = ("storefront", *(domain for domain in DOMAINS if domain != "storefront"))


def _domain_modules(suffix: str, domains: tuple[str, ...] = DOMAINS) -> list[ModuleType]:
    modules = []
    for domain in domains:
        module = optional_import(f"erpgate.{domain}.{suffix}")
        if module is not None:
            modules.append(module)
    return modules


def _login_path(request: Request) -> str:
    path = request.url.path
    slug = storefront_slug(path)
    if slug is not None:
        return f"/store/{slug}/login?next={quote(path)}"
    return f"/admin/login?next={quote(path)}"


async def _error_page(
    request: Request,
    status_code: int,
    message: str,
    *,
    title: str | None = None,
    details: list[str] | None = None,
    reference: str | None = None,
    headers: dict[str, str] | None = None,
    in_store: bool = True,
) -> Response:
    """Every error page: under /store/{slug}/ with the store's header and a way back into it
    (``in_store=False`` when no database connection may be taken), the plain page elsewhere."""
    context: dict[str, Any] = {
        "title": title or ERROR_TITLES.get(status_code, "Something is not right"),
        "message": message,
        "details": details,
        "reference": reference,
    }
    store_context = await error_page_context(request) if in_store else None
    page = render(request, "error.html", {**(store_context or {}), **context}, status_code)
    page.headers.update(headers or {})  # e.g. a 405's Allow, a 503's Retry-After
    return page


# An error page's heading, by status.
ERROR_TITLES = {
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    503: "Not available",
}


async def _app_error_handler(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, AppError)
    if wants_json(request):
        return JsonResponse(exc.to_json(), status_code=exc.status_code)
    if exc.status_code == 401:
        return RedirectResponse(_login_path(request), status_code=303)
    return await _error_page(
        request, exc.status_code, exc.message, reference=exc.extra.get("reference")
    )


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    """422 naming each field for the JSON API; a page in plain words for a browser."""
    assert isinstance(exc, RequestValidationError)
    fields = {
        field_name(error, skip=("body", "query", "path")): human_message(error)
        for error in exc.errors()
    }
    if not wants_json(request):
        return await _error_page(
            request,
            422,
            (
                "This address asks for something the page cannot show."
                if request.method in ("GET", "HEAD")
                else "Some of what the form sent is not valid."
            ),
            details=[f"{name}: {message}" for name, message in fields.items()],
        )
    return JsonResponse(
        {"error": "validation_failed", "message": "Some fields are not valid.", "fields": fields},
        status_code=422,
    )


NOT_HERE = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that kind of request."),
}


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    """What the router itself answers (no route at this address, or not for this method): a page
    in the product's words for a browser, the app's error shape for the JSON API — never
    Starlette's bare ``{"detail": "Not Found"}``."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code not in NOT_HERE:
        message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        code = "error"
    else:
        code, message = NOT_HERE[exc.status_code]
    headers = dict(exc.headers or {})
    if wants_json(request):
        return JsonResponse(
            {"error": code, "message": message}, status_code=exc.status_code, headers=headers
        )
    return await _error_page(request, exc.status_code, message, headers=headers)


# erpgate traces requests and ERP attempts itself (kit/tracing.py). FastAPI's own telemetry would
# only add spans beside those, and asking whether it is configured costs every request about 2 %
# of a storefront read (bench/RESULTS.notes); FastAPI versions without it take no such argument.
_NO_FRAMEWORK_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)

BUSY_MESSAGE = "The service is busy right now. Please try again in a moment."
BUSY_RETRY_AFTER_SECONDS = 2


async def _pool_timeout_handler(request: Request, exc: Exception) -> Response:
    """No database connection came free within ERPGATE_DB_POOL_TIMEOUT_SECONDS: every connection
    is in use, so the answer is a calm, quick 503 rather than a long wait and a 500."""
    assert isinstance(exc, PoolTimeout)
    log.warning("database_pool_exhausted", path=request.url.path)
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
    if wants_json(request):
        body = {"error": "service_busy", "message": BUSY_MESSAGE}
        return JsonResponse(body, status_code=503, headers=headers)
    # The store's header would need a database connection, and none is free.
    return await _error_page(
        request, 503, BUSY_MESSAGE, title="Busy", headers=headers, in_store=False
    )


def build_state(settings: Settings, clock: Clock | None = None) -> AppState:
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    clock = clock or Clock()
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=create_session_factory(engine),
        secret_box=SecretBox(settings.encryption_keys),
        gateway=ErpGateway(ErpClientOptions.from_settings(settings), NullSink(), now=clock.now),
        clock=clock,
    )


async def check_ready(settings: Settings) -> None:
    """What `erpgate serve` checks before it starts serving: the database answers and is
    migrated, and every store the private-host allowlist names exists. A ConfigError says what
    to do in one sentence (instead of a traceback from the first request)."""
    from erpgate.db.migrate import schema_problem
    from erpgate.integration.lifecycle import bind_private_host_stores

    engine = create_engine(settings.database_url)
    try:
        problem = await schema_problem(engine)
        if problem is not None:
            raise ConfigError(problem)
        options = ErpClientOptions.from_settings(settings)
        await bind_private_host_stores(create_session_factory(engine), options)
    finally:
        await engine.dispose()
    if settings.otlp_endpoint and optional_import("opentelemetry.sdk.trace") is None:
        raise ConfigError(f"ERPGATE_OTLP_ENDPOINT is set, but {tracing.MISSING_PACKAGES}")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_format, settings.log_level)
    state = build_state(settings, clock)
    lifecycles = _domain_modules("lifecycle")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.otlp_endpoint:
            tracing.configure(settings.otlp_endpoint, service_name=settings.otel_service_name)
        await state.gateway.start()
        loop_lag = LoopLagMonitor()
        loop_lag.start()
        started: list[ModuleType] = []
        try:
            for module in lifecycles:
                await module.startup(state)
                started.append(module)
            if settings.gc_tuning:
                tune_after_startup()
            install_drain_on_sigterm(state.draining, settings.shutdown_drain_seconds)
            log.info("erpgate started", version=__version__, environment=settings.environment)
            yield
        finally:
            state.draining.begin("shutting down")
            for module in reversed(started):
                await module.shutdown(state)
            await loop_lag.close()
            await state.gateway.close()
            await state.engine.dispose()
            if settings.otlp_endpoint:
                tracing.shutdown()
            process_exited(os.getpid())

    app = FastAPI(
        title="erpgate",
        version=__version__,
        summary="Storefront and admin APIs of erpgate",
        lifespan=lifespan,
        default_response_class=JsonResponse,
        # FastAPI's pages load Swagger UI and ReDoc from a CDN; add_api_docs serves them locally.
        docs_url=None,
        redoc_url=None,
        **_NO_FRAMEWORK_TELEMETRY,
    )
    app.state.erpgate = state
    # Innermost: the storefront's hot reads leave the stack here, after the guard's checks.
    app.add_middleware(FastLane, api_app=app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_request_body_bytes)
    # Added last, so it wraps the guard too: its refusals carry the headers as well.
    app.add_middleware(SecurityHeaders)
    # Added last: the outermost layer, so it times, logs and traces everything the others do.
    # Access lines are written at INFO: below that level none would be, so none is built.
    access_log = settings.access_log and level_number(settings.log_level) <= logging.INFO
    app.add_middleware(Observe, access_log=access_log, sample_rate=settings.access_log_sample_rate)
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(PoolTimeout, _pool_timeout_handler)
    static_dir = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    add_api_docs(app)
    for module in _domain_modules("endpoints", ROUTE_DOMAINS):
        app.include_router(module.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        # Browsers ask this path of pages that name no icon (JSON, the API docs): the site's
        # icon, not a 404 in their console. Modern browsers take an SVG here.
        return FileResponse(static_dir / "favicon.svg", media_type="image/svg+xml")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        """Liveness: the process answers (nothing else is checked)."""
        return PlainTextResponse("ok")

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JsonResponse:
        """Readiness: not shutting down, and the database answers and is migrated."""
        problem = state.draining.reason if state.draining.active else None
        if problem is None:
            problem = await database_problem(state.engine, settings.ready_timeout_seconds)
        if problem is not None:
            return JsonResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JsonResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        figures = await database_figures(
            state.session_factory,
            [
                problem_families,
                lambda db: outbox_families(db, state.clock.now()),
                lambda db: delivery_families(db, state.clock.now()),
            ],
            settings.ready_timeout_seconds,
        )
        text = exposition([BreakerStateCollector(state.gateway.breakers), Families(figures)])
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    @app.get(CONTRACT_OPENAPI_URL, include_in_schema=False)
    async def erp_contract_openapi() -> JsonResponse:
        from erpgate.erp.contract_openapi import contract_openapi

        return JsonResponse(contract_openapi())

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> HTMLResponse:
        return render(request, "home.html")

    return app
