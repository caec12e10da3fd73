"""The storefront's hot JSON reads, handed straight to their endpoint.

A buyer's orders, invoices and balance are what erpgate serves most (a headless shop polls them).
Through the whole stack each read also pays for Starlette's exception layer, the router and
FastAPI's request handler (dependency solving, a second look at the response): about a fifth of
a read's CPU (bench/RESULTS.notes). This layer serves those reads itself when their buyer is in
the session cache: it calls the same endpoint function with the same buyer the ``ApiBuyer``
dependency gives, and hands an exception to the app's own exception handlers. Everything else
goes down the whole stack unchanged: another method or path, an API key, a buyer not in the
cache (so every refusal, sign-in and permission answer comes from one place), and any app whose
dependencies a test overrides.

Only an endpoint whose parameters are exactly the request, the buyer and its path's own string
parameters is served here: it reads its query itself, so nothing FastAPI would have solved is
skipped.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from erpgate.storefront import api
from erpgate.storefront.buyers import Buyer
from erpgate.storefront.deps import api_buyer, cached_session_buyer


def _servable(route: APIRoute) -> bool:
    """A GET whose endpoint takes the request, the buyer from ``api_buyer`` and its path's
    parameters as plain strings, and nothing else: nothing FastAPI would solve or validate for it
    is left for this layer to skip."""
    if "GET" not in (route.methods or ()):
        return False
    dependant = route.dependant
    if dependant.query_params or dependant.header_params or dependant.cookie_params:
        return False
    if dependant.body_params or dependant.request_param_name != "request":
        return False
    if [dependency.call for dependency in dependant.dependencies] != [api_buyer]:
        return False
    parameters = set(inspect.signature(route.endpoint).parameters)
    path_names = {field.name for field in dependant.path_params}
    if parameters != {"request", "buyer", *path_names}:
        return False
    return all(
        field.field_info.annotation is str and route.param_convertors[field.name].regex == "[^/]+"
        for field in dependant.path_params
    )


def servable_routes(routes: Sequence[BaseRoute]) -> list[APIRoute]:
    return [route for route in routes if isinstance(route, APIRoute) and _servable(route)]


class FastLane:
    def __init__(self, app: ASGIApp, *, api_app: FastAPI) -> None:
        self.app = app
        self.api_app = api_app
        # In the router's own order; the app tries the storefront API's routes before any other
        # under its prefix (ROUTE_DOMAINS), so the route found here is the one it would find.
        self._routes = servable_routes(api.router.routes)
        self._prefix = api.router.prefix + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self._prefix)
            or self.api_app.dependency_overrides
        ):
            await self.app(scope, receive, send)
            return
        matched = self._route(scope)
        if matched is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        buyer = await cached_session_buyer(request)
        if buyer is None:
            await self.app(scope, receive, send)
            return
        route, child_scope = matched
        scope.update(child_scope)  # as the router does: Observe names the route from it
        await self._serve(route, request, buyer, scope, receive, send)

    def _route(self, scope: Scope) -> tuple[APIRoute, Scope] | None:
        """The read's route and what matching it adds to the scope (path parameters, route)."""
        for route in self._routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope
        return None

    async def _serve(
        self,
        route: APIRoute,
        request: Request,
        buyer: Buyer,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        try:
            response = await route.endpoint(request=request, buyer=buyer, **scope["path_params"])
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise  # as through the whole stack: Observe answers 500
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> Any:
        handlers = self.api_app.exception_handlers
        for kind in type(exc).__mro__:
            if kind in handlers:
                return handlers[kind]
        return None
