"""launchgate: a deploy gate and smoke-test harness for small web products."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("launchgate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
