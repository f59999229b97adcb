"""The demo's admin endpoint: switch faults on and off while the app runs, so
``launchgate watch`` can be shown catching an outage and its recovery live.

Guarded twice, because it breaks the app on request: it answers only clients on a
loopback address, and only with ``Authorization: Bearer <LAUNCHGATE_DEMO_ADMIN_TOKEN>``
(compared in constant time). Without a configured token it does not exist (404).

* ``GET /admin/faults`` lists the faults switched on and the ones available;
* ``PUT /admin/faults/{name}`` switches one on, ``DELETE`` switches it off.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from contextlib import closing
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from launchgate.demo.context import faults_of, settings_of, store_of
from launchgate.demo.db import connect, create_invoice_index, drop_invoice_index
from launchgate.demo.faults import FAULTS

__all__ = ["fault_switch", "faults_list"]

logger = logging.getLogger(__name__)

_NO_STORE = {"Cache-Control": "no-store"}


def _refusal(request: Request) -> Response | None:
    token = settings_of(request).admin_token
    host = request.client.host if request.client else ""
    if token is None or not _is_loopback(host):
        return JSONResponse({"error": "not found"}, status_code=404, headers=_NO_STORE)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        return JSONResponse(
            {"error": "a bearer token is required (LAUNCHGATE_DEMO_ADMIN_TOKEN)"},
            status_code=401,
            headers={**_NO_STORE, "WWW-Authenticate": 'Bearer realm="launchgate-demo-admin"'},
        )
    return None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listing(request: Request) -> Response:
    return JSONResponse(
        {"on": sorted(faults_of(request).names()), "available": sorted(FAULTS)},
        headers=_NO_STORE,
    )


def _set_index(path: Path, *, present: bool) -> None:
    with closing(connect(path)) as conn:
        (create_invoice_index if present else drop_invoice_index)(conn)
        conn.commit()


async def faults_list(request: Request) -> Response:
    return _refusal(request) or _listing(request)


async def fault_switch(request: Request) -> Response:
    refused = _refusal(request)
    if refused is not None:
        return refused
    name = request.path_params["name"]
    if name not in FAULTS:
        return JSONResponse(
            {"error": f"unknown fault {name!r}", "available": sorted(FAULTS)},
            status_code=404,
            headers=_NO_STORE,
        )
    faults = faults_of(request)
    on = request.method == "PUT"
    if on:
        faults.enable(name)
    else:
        faults.disable(name)
    if name == "missing-index":  # the one fault that lives in the database, not a handler
        await run_in_threadpool(_set_index, store_of(request).path, present=not on)
    logger.warning("demo fault %s switched %s", name, "on" if request.method == "PUT" else "off")
    return _listing(request)
