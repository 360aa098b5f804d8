from tests.workers import real_worker  # noqa: F401  (the fixture, for this folder's tests)
