"""Import N contacts from a CSV through the import framework and report the worker's memory.

    .venv/bin/python bench/import_contacts.py            # 1,000,000 rows on embedded SQLite
    .venv/bin/python bench/import_contacts.py --rows 100000
    .venv/bin/python bench/import_contacts.py --database-url postgres://postgres@127.0.0.1/bench

Each phase runs in a fresh process whose peak resident memory (VmHWM) is read when it ends:
the baseline only reads the CSV with the csv module; the import runs the real job (chunks,
upserts, counters). Target: the import's peak stays under 300 MB at 1,000,000 rows.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 300

SETUP = """
import os, sys, django
sys.path.insert(0, {root!r})
django.setup()
"""

BASELINE = (
    SETUP
    + """
import csv
with open({csv_path!r}, newline="", encoding="utf-8") as handle:
    rows = sum(1 for _ in csv.reader(handle))
print(rows)
"""
)

IMPORT = (
    SETUP
    + """
from django.core.files import File
from vocapp.contacts.imports import run_import_job
from vocapp.contacts.models import ImportJob, ImportStatus
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope

organization = Organization.objects.get(slug="bench")
with organization_scope(organization):
    job = ImportJob.objects.create(kind="contacts", original_name="bench.csv",
        header=["external_id", "email", "phone", "first_name", "tier"],
        column_mapping={{"external_id": "external_id", "email": "email", "phone": "phone",
                        "first_name": "first_name", "tier": "attributes.tier"}},
        status=ImportStatus.QUEUED)
    with open({csv_path!r}, "rb") as handle:
        job.file.save("bench.csv", File(handle), save=True)
    job = run_import_job(job.pk)
    print(job.status, job.created_count, job.rejected_count)
"""
)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "email", "phone", "first_name", "tier"])
        for index in range(rows):
            writer.writerow(
                [
                    f"B{index}",
                    f"customer{index}@example.com",
                    f"+336{10000000 + index % 89999999:08d}",
                    "Camille",
                    ("gold", "silver", "standard")[index % 3],
                ]
            )


def run_measured(code: str, env: dict) -> tuple[float, float, str]:
    """(seconds, peak MB, stdout) of ``code`` run in a fresh interpreter."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )
    peak_kb = 0
    status_path = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status_path.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.05)
    output = process.stdout.read()
    if process.returncode:
        raise SystemExit(f"phase failed with exit code {process.returncode}")
    return time.perf_counter() - started, peak_kb / 1024, output.strip()


def prepare_database(env: dict) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "createcachetable"], env=env, check=True)
    subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            textwrap.dedent("""
        from vocapp.tenancy.models import Organization
        from vocapp.contacts.models import AttributeDefinition
        from vocapp.tenancy.scope import organization_scope
        org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        with organization_scope(org):
            AttributeDefinition.objects.get_or_create(organization=org, name="tier")
    """),
        ],
        env=env,
        check=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="Default: a temporary SQLite file.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vocbench-") as folder:
        data_dir = Path(folder)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vocapp.settings.dev",
            "VOC_DATA_DIR": str(data_dir),
            "DEBUG": "false",
        }
        env.pop("REDIS_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        else:
            env.pop("DATABASE_URL", None)
        prepare_database(env)
        csv_path = data_dir / "contacts.csv"
        write_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6

        base_s, base_mb, _ = run_measured(
            BASELINE.format(root=str(ROOT), csv_path=str(csv_path)), env
        )
        import_s, import_mb, result = run_measured(
            IMPORT.format(root=str(ROOT), csv_path=str(csv_path)), env
        )

    database = "PostgreSQL" if args.database_url else "SQLite (embedded)"
    print(f"rows: {args.rows:,}  file: {size_mb:.0f} MB  database: {database}")
    print(f"baseline (read the CSV only): {base_s:7.1f} s  peak {base_mb:6.1f} MB")
    print(
        f"import (real job):            {import_s:7.1f} s  peak {import_mb:6.1f} MB  "
        f"{args.rows / import_s:,.0f} rows/s  result: {result}"
    )
    verdict = "OK" if import_mb < TARGET_MB else "OVER TARGET"
    print(f"target: peak < {TARGET_MB} MB -> {verdict}")
    return 0 if import_mb < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
