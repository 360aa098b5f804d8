"""The production shape: docker-compose.yml, the Dockerfile, the Procfile (what `make prodlike`
runs) and the README name the same processes, commands and variables; and the Procfile really
serves the product on production settings, PostgreSQL and Redis, and stops without leftovers.

Docker has no engine in the test environment: the compose file and the Dockerfile are read, not
run; the processes they start are the Procfile's, which the last test runs for real.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import environ
import psycopg
import pytest
import yaml
from django.conf import settings
from psycopg import sql

from vocapp.management.commands.env_reference import (
    collect,
    environment_table,
    generated_block,
    readme_block,
)
from vocapp.settings.env import DECLARED

ROOT = Path(settings.BASE_DIR)
PROCESSES = {"web", "worker", "beat"}


def procfile(name="Procfile") -> dict[str, str]:
    lines = (ROOT / name).read_text().strip().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services() -> dict[str, dict]:
    """The services that run our image (``build: .``), migrate included."""
    return {name: s for name, s in compose()["services"].items() if s.get("build") == "."}


def readme() -> str:
    return (ROOT / "README.md").read_text()


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def shell_script(command: list[str]) -> str:
    """`["sh", "-c", "exec X $${PORT}"]` -> `X ${PORT}`: the line the container's shell runs."""
    assert command[:2] == ["sh", "-c"] and len(command) == 3, command
    script = command[2].replace("$$", "$")  # compose's escape for a literal `$`
    assert script.startswith("exec "), f"the process must replace the shell: {script}"
    return script.removeprefix("exec ")


@pytest.fixture(scope="module")
def declared_everywhere():
    """Every variable declared by the dev, prod or test settings (each imported on its own)."""
    return collect()


# --- The same processes, the same commands ------------------------------------------------------


def test_compose_runs_the_procfile_processes_with_the_procfiles_commands():
    processes = procfile()
    assert set(processes) == PROCESSES
    long_running = {name for name in app_services() if name != "migrate"}
    assert long_running == PROCESSES
    for name, command in processes.items():
        assert shell_script(app_services()[name]["command"]) == command, name


def test_the_image_starts_the_procfiles_web_process_by_default():
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile(), re.MULTILINE)
    assert cmd, "the Dockerfile has no exec-form CMD"
    assert shell_script(json.loads(cmd.group(1))) == procfile()["web"]


def test_the_readme_shows_the_procfile_as_it_is():
    text = readme()
    for name, command in procfile().items():
        assert f"{name}: {command}\n" in text, f"README lacks the Procfile's {name} line"
        assert f"| {name} |" in text, f"README's process table lacks {name}"


def test_make_prodlike_runs_the_procfile_on_production_settings_after_migrate():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nprodlike:", 1)[1].split("\n\n", 1)[0]
    assert "DJANGO_SETTINGS_MODULE=vocapp.settings.prod" in makefile.split("\nprodlike:", 1)[0]
    steps = [line.strip() for line in recipe.splitlines()[1:]]
    migrate = next(i for i, step in enumerate(steps) if "manage.py migrate" in step)
    start = next(i for i, step in enumerate(steps) if "honcho -f Procfile start" in step)
    assert migrate < start
    assert steps[start].startswith("$(PRODLIKE_ENV)")
    assert "make prodlike" in readme()


# --- The compose file ---------------------------------------------------------------------------


def test_compose_runs_postgres_and_redis_with_health_checks_and_migrates_first():
    services = compose()["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]

    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in PROCESSES:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_the_web_health_check_calls_healthz_on_an_allowed_host():
    web = compose()["services"]["web"]
    check = " ".join(web["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in check
    assert web["environment"]["ALLOWED_HOSTS"].endswith(",127.0.0.1")
    assert "8000:8000" in web["ports"]


def test_web_and_worker_share_the_media_volume_where_media_root_points():
    document = compose()
    media_root = "/data/media"
    assert f"MEDIA_ROOT={media_root}" in dockerfile()
    assert f'VOLUME ["{media_root}"]' in dockerfile()
    assert "media" in document["volumes"]
    for name in ("web", "worker"):
        service = document["services"][name]
        assert service["environment"]["MEDIA_ROOT"] == media_root, name
        assert f"media:{media_root}" in service["volumes"], name


def test_compose_sets_only_declared_variables_and_no_secret(declared_everywhere):
    declared = {variable.name for variable in declared_everywhere}
    for name, service in app_services().items():
        environment = service["environment"]
        assert set(environment) <= declared, (name, sorted(set(environment) - declared))
        assert environment["DJANGO_SETTINGS_MODULE"] == "vocapp.settings.prod"
        for required in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL"):
            assert environment.get(required), (name, required)
        # Secrets come from the operator's environment, and compose refuses to start without them.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?"), name
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"], name
        passed_through = set(re.findall(r"\$\{(\w+)", " ".join(map(str, environment.values()))))
        assert passed_through <= declared | {"POSTGRES_PASSWORD"}, (name, passed_through)


def test_every_variable_the_procfiles_read_is_declared(declared_everywhere):
    declared = {variable.name for variable in declared_everywhere}
    for name in ("Procfile", "Procfile.dev"):
        read = set(re.findall(r"\$\{(\w+)", (ROOT / name).read_text()))
        assert read and read <= declared, (name, sorted(read - declared))


# --- The image ----------------------------------------------------------------------------------


def test_the_image_installs_exactly_the_lock_file_and_runs_as_a_non_root_user():
    text = dockerfile()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "pip install --no-deps -r requirements/base.lock && pip check" in text
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    # Built once, never at run time: bytecode and the static files.
    assert "python -m compileall" in text
    assert "manage.py collectstatic --noinput" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git", ".env"} <= set(ignored)


# --- The README ---------------------------------------------------------------------------------


def test_the_readme_opens_with_the_two_commands():
    text = readme()
    title, pitch, commands = text.split("\n\n", 3)[:3]
    assert title.startswith("# ")
    assert not pitch.startswith(("#", "```"))
    assert commands.startswith("```sh\nmake run ") and "\nmake test " in commands
    assert "http://127.0.0.1:8000/" in text
    assert "demo@example.com / demo" in text


def test_the_readme_lists_what_the_embedded_default_does_differently():
    section = readme().split("## Embedded default vs PostgreSQL", 1)[1].split("\n## ", 1)[0]
    for difference in ("WAL", "busy timeout", "filesystem", "database cache", "icontains"):
        assert difference in section, difference
    assert "conditional `UPDATE" in section


def test_the_readme_table_is_generated_from_the_declarations(declared_everywhere):
    block = readme_block(readme())
    assert block is not None, "README.md lost the markers of its variable table"
    assert block == generated_block(environment_table(declared_everywhere)), (
        "The README's variable table is out of date: "
        "run .venv/bin/python manage.py env_reference --write"
    )
    # The settings this very process runs on declare nothing the table lacks.
    assert DECLARED
    missing = [name for name in DECLARED if f"| `{name}` |" not in block]
    assert missing == []


def test_the_table_marks_defaults_and_variables_that_depend_on_the_settings(declared_everywhere):
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in environment_table(declared_everywhere).splitlines()[2:]
    }
    assert "`false`; `true` with `vocapp.settings.dev`" in rows["DEBUG"]
    assert "Read by `vocapp.settings.prod` only." in rows["SECURE_SSL_REDIRECT"]
    assert "Read by `vocapp.settings.test` only." in rows["TEST_DATABASE_URL"]
    # Paths are shown relative to the checkout and to VOC_DATA_DIR, not as this machine's.
    assert "| `var` |" in rows["VOC_DATA_DIR"]
    assert "`$VOC_DATA_DIR/media`" in rows["MEDIA_ROOT"]
    assert str(ROOT) not in "\n".join(rows.values())


# --- The Procfile on production settings, for real -----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310  (a local URL)
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def health(base_url):
    status, _headers, body = fetch(f"{base_url}/healthz")
    return status, json.loads(body)


def poll(probe, timeout, interval=0.25):
    """Calls ``probe`` until it returns something truthy; None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = probe()
        except (OSError, ValueError):  # not listening yet, or a half-started answer
            result = None
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def proc_stat(pid):
    """(ppid, state, start time) of a process, None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], fields[19]


def descendants(root) -> dict[int, str]:
    """Every live process below ``root`` (whatever its session): {pid: start time}."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := proc_stat(int(entry))) is not None:
            table[int(entry)] = stat
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, start) in table.items():
            if ppid == parent and pid not in found and state not in {"Z", "X"}:
                found[pid] = start
                frontier.append(pid)
    return found


def still_alive(tracked: dict[int, str]) -> list[int]:
    alive = []
    for pid, start in tracked.items():
        stat = proc_stat(pid)
        if stat is not None and stat[1] not in {"Z", "X"} and stat[2] == start:
            alive.append(pid)
    return alive


def command_line(pid) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


@pytest.fixture
def prodlike_database():
    """A PostgreSQL database of its own, on the test server, dropped afterwards."""
    server = environ.Env.db_url_config(settings.DATABASE_URL)
    name = f"test_{server['NAME']}_prodlike"  # never make prodlike's own database
    admin = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(**admin) as connection:
        connection.execute(drop)
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = server["USER"] + (f":{server['PASSWORD']}" if server["PASSWORD"] else "")
    yield f"postgres://{credentials}@{admin['host']}:{admin['port']}/{name}"
    with psycopg.connect(**admin) as connection:
        connection.execute(drop)


@pytest.fixture
def prodlike_env(prodlike_database, tmp_path):
    """What `make prodlike` exports, on this test run's own database and Redis database."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    return {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "vocapp.settings.prod",
        "DATABASE_URL": prodlike_database,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "prodlike-test-key-not-for-the-internet",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "VOC_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
    }


class Output(threading.Thread):
    """Collects honcho's merged output without blocking the test."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self):
        for line in iter(self.stream.readline, ""):
            self.lines.append(line)

    @property
    def tail(self):
        return "".join(self.lines[-60:])


@pytest.mark.worker
def test_the_procfile_serves_the_product_on_production_settings_and_stops_cleanly(prodlike_env):
    base_url = f"http://127.0.0.1:{prodlike_env['PORT']}"

    # What `make prodlike` does first: migrate and collect the static files (independent steps).
    setup = [
        subprocess.Popen(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=prodlike_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for arguments in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"])
    ]
    for step in setup:
        output, _ = step.communicate(timeout=120)
        assert step.returncode == 0, output

    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "honcho"), "-f", "Procfile", "start"],
        cwd=ROOT,
        env=prodlike_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(process.stdout)
    output.start()
    tracked: dict[int, str] = {}
    try:
        # gunicorn answers; the database and Redis are reachable; no heartbeat has run yet (beat
        # sends its first one 30 s after it starts), so an "ok" later comes from this run.
        first = poll(lambda: health(base_url), timeout=30)
        assert first is not None, f"/healthz never answered:\n{output.tail}"
        assert first == (200, {"db": "ok", "broker": "ok", "worker": "no heartbeat yet"})

        tracked.update(descendants(process.pid))
        commands = [command_line(pid) for pid in tracked]
        for expected in (
            "gunicorn vocapp.wsgi",
            "celery -A vocapp worker",
            "celery -A vocapp beat",
        ):
            assert any(expected in command for command in commands), (expected, commands)

        # Production settings serve the collected static files, pages and the API's JSON errors.
        status, headers, body = fetch(f"{base_url}/static/css/app.css")
        assert status == 200 and body, status
        status, headers, body = fetch(f"{base_url}/login/")
        assert status == 200 and b'name="csrfmiddlewaretoken"' in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        status, headers, body = fetch(f"{base_url}/api/v1/contacts/")
        assert status == 401 and json.loads(body)["error"] == "not_authenticated"

        # Beat's heartbeat went through Redis to the worker, which wrote the shared cache.
        ready = poll(
            lambda: health(base_url) == (200, {"db": "ok", "broker": "ok", "worker": "ok"}),
            timeout=45,
        )
        assert ready, f"no worker heartbeat within 45 s:\n{output.tail}"
        tracked.update(descendants(process.pid))
    finally:
        tracked.update(descendants(process.pid))
        # What `docker stop` or a service manager sends.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        finally:
            gone = poll(lambda: not still_alive(tracked), timeout=10)
            leftovers = [command_line(pid) for pid in still_alive(tracked)]
            for pid in still_alive(tracked):
                os.kill(pid, signal.SIGKILL)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            output.join(timeout=5)
            process.stdout.close()

    assert gone, f"still running after the stop: {leftovers}"
    assert "SIGKILL" not in "".join(output.lines), f"a process ignored SIGTERM:\n{output.tail}"
    with pytest.raises(OSError):
        fetch(f"{base_url}/healthz")
