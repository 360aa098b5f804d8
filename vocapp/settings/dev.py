"""The embedded default used by `make run`: everything works on one machine with no server."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = env.bool("DEBUG", True, help="Django debug pages; never in production.")
DATA_DIR.mkdir(parents=True, exist_ok=True)
