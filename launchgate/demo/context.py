"""Typed access to what ``create_app`` keeps on ``app.state``.

``app.state`` is untyped; these accessors check the type once per use, so a handler
gets a :class:`FaultSet` and not ``Any``. The fault set is looked up on every request
rather than captured when the app is built, so that replacing or toggling it while the
app runs takes effect on the next request.
"""

from __future__ import annotations

from typing import TypeVar

from starlette.requests import Request

from launchgate.demo.applog import AppLog
from launchgate.demo.db import Store
from launchgate.demo.faults import FaultSet
from launchgate.demo.settings import DemoSettings
from launchgate.demo.throttle import LoginThrottle

__all__ = ["applog_of", "faults_of", "settings_of", "store_of", "throttle_of"]

_T = TypeVar("_T")


def settings_of(request: Request) -> DemoSettings:
    return _state(request, "settings", DemoSettings)


def faults_of(request: Request) -> FaultSet:
    return _state(request, "faults", FaultSet)


def store_of(request: Request) -> Store:
    return _state(request, "store", Store)


def applog_of(request: Request) -> AppLog:
    return _state(request, "applog", AppLog)


def throttle_of(request: Request) -> LoginThrottle:
    return _state(request, "throttle", LoginThrottle)


def _state(request: Request, name: str, kind: type[_T]) -> _T:
    value = getattr(request.app.state, name, None)
    if not isinstance(value, kind):
        # Only reachable if the app was built without create_app or before startup.
        raise RuntimeError(f"app.state.{name} is not set up (expected {kind.__name__})")
    return value
