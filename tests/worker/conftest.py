from tests.fakes.fixtures import fake_twilio  # noqa: F401  (the fixture, for this folder)
from tests.workers import real_worker  # noqa: F401  (the fixture, for this folder's tests)
