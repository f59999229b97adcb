"""The bundled demo subscription dashboard that ``launchgate demo`` runs the gate against.

A real Starlette app with a real SQLite database, served by a real uvicorn process on a
free loopback port (:class:`DemoServer`), with launch defects that can be switched on
(:data:`FAULTS`) for the gate to catch.
"""

from launchgate.demo.app import create_app
from launchgate.demo.faults import FAULTS, FaultSet
from launchgate.demo.server import DemoServer
from launchgate.demo.settings import DemoSettings

__all__ = ["FAULTS", "DemoServer", "DemoSettings", "FaultSet", "create_app"]
