"""The production shape: docker-compose.yml, Procfile (what `make prodlike` runs) and the README
name the same processes and variables, and the Procfile really runs on production settings."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from vocapp.settings.env import DECLARED

ROOT = Path(settings.BASE_DIR)
PROCESSES = {"web", "worker", "beat"}
# Read by the process manager, gunicorn or the test settings rather than by vocapp/settings/env.py.
OUTSIDE_ENV_PY = {"DJANGO_SETTINGS_MODULE", "PORT", "WEB_CONCURRENCY", "WORKER_CONCURRENCY"}


def procfile(name="Procfile") -> dict[str, str]:
    lines = (ROOT / name).read_text().strip().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def with_defaults(command: str) -> str:
    """`${PORT:-8000}` -> `8000`: the command as it runs with nothing set."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_and_procfile_run_the_same_processes_with_the_same_commands():
    services = compose()["services"]
    assert set(services) >= PROCESSES
    assert set(procfile()) == PROCESSES
    for name, command in procfile().items():
        assert services[name]["command"] == with_defaults(command), name


def test_compose_has_its_services_volumes_and_health_checks():
    services = compose()["services"]
    assert {"postgres", "redis", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        assert "media:/data" in services[name]["volumes"], name
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "vocapp.settings.prod"


def test_make_prodlike_runs_the_procfile_with_production_settings():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nprodlike:", 1)[1].split("\n\n", 1)[0]
    assert "honcho -f Procfile start" in recipe
    assert "DJANGO_SETTINGS_MODULE=vocapp.settings.prod" in makefile


def test_every_variable_set_in_compose_is_declared_and_documented():
    readme = (ROOT / "README.md").read_text()
    for name in compose()["services"]["web"]["environment"]:
        assert name in DECLARED or name in OUTSIDE_ENV_PY, name
        assert f"| `{name}` |" in readme, name


def test_the_readme_documents_every_environment_variable():
    readme = (ROOT / "README.md").read_text()
    assert DECLARED, "the settings declared no variable"
    missing = [name for name in DECLARED if f"| `{name}` |" not in readme]
    assert missing == []


def test_the_readme_starts_with_the_two_commands_and_names_the_processes():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block
    for name in PROCESSES:
        assert f"| {name} |" in readme


def test_the_image_installs_the_locked_dependencies():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements/base.lock" in dockerfile
    assert "USER vocapp" in dockerfile


# --- The Procfile on production settings, for real ----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310  (a local http URL)
        return answer.status, json.loads(answer.read())


@pytest.fixture
def prodlike_env(tmp_path):
    database = f"vocapp_prodlike_{os.getpid()}"
    server = settings.DATABASES["default"]
    admin = ["-h", server["HOST"], "-p", str(server["PORT"] or 5432), "-U", server["USER"]]
    subprocess.run(["dropdb", "--if-exists", *admin, database], check=True)
    subprocess.run(["createdb", *admin, database], check=True)
    redis = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/14"
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "vocapp.settings.prod",
        "DATABASE_URL": f"postgres://{server['USER']}@{server['HOST']}:5432/{database}",
        "REDIS_URL": redis,
        "SECRET_KEY": "prodlike-test-key-not-secret",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "VOC_DATA_DIR": str(tmp_path),
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    yield env
    subprocess.run(["dropdb", "--if-exists", "--force", *admin, database], check=True)


def test_the_procfile_serves_the_product_on_production_settings(prodlike_env):
    honcho = str(Path(sys.executable).parent / "honcho")
    process = subprocess.Popen(  # noqa: S603
        [honcho, "-f", "Procfile", "start"],
        cwd=ROOT,
        env=prodlike_env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{prodlike_env['PORT']}/healthz"
    try:
        report = wait_for(lambda: get_json(url), lambda answer: answer[0] == 200, timeout=30)
        assert report[1]["db"] == "ok" and report[1]["broker"] == "ok"
        # A heartbeat sent through Redis comes back through the worker (beat sends one every 30 s).
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from vocapp.tasks import record_worker_heartbeat as t; t.delay()",
            ],
            cwd=ROOT,
            env=prodlike_env,
            check=True,
        )
        wait_for(lambda: get_json(url), lambda answer: answer[1]["worker"] == "ok", timeout=30)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    time.sleep(0.5)
    with pytest.raises(OSError):
        get_json(url)


def wait_for(probe, done, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
            if done(last):
                return last
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"not ready after {timeout} s: {last!r}")
