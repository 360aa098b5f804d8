"""An import survives its worker being killed: a real worker is SIGKILLed after some chunks have
committed, another one resumes the job through the beat sweeper from the last committed chunk,
and in the end every row of the file was stored exactly once."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.contacts.conftest import page_url
from tests.workers import wait_for
from vocapp.contacts import imports
from vocapp.contacts.models import Contact, ImportJob, ImportRejection, ImportStatus
from vocapp.contacts.tasks import resume_stalled_imports

pytestmark = pytest.mark.worker

ROWS = 8 * imports.CHUNK_ROWS + 500  # nine chunks
BAD_EVERY = 250  # every 250th row has an invalid phone: rejected, with its reason
PROGRESS = re.compile(r"(\d+) of (\d+|…) rows processed")


def crm_export() -> bytes:
    lines = ["customer_id,email,phone,first_name"]
    for i in range(ROWS):
        phone = "12" if i % BAD_EVERY == 0 else f"+3361{i:07d}"
        lines.append(f"K-{i:05d},k{i}@shop.test,{phone},Customer {i}")
    return ("\n".join(lines) + "\n").encode()


def expected_rejected_lines():
    return [i + 2 for i in range(ROWS) if i % BAD_EVERY == 0]


class Progress:
    """Reads the job's progress the way the page does (the htmx fragment), and keeps every
    value seen so the test can check it never goes backwards."""

    def __init__(self, client, organization, job):
        self.url = page_url(organization, f"imports/{job.pk}/progress/")
        self.client = client
        self.job = job
        self.seen: list[int] = []

    def read(self) -> int:
        content = self.client.get(self.url).content.decode()
        done, total = PROGRESS.search(content).groups()
        assert total in ("…", str(ROWS))  # "…" until the worker has counted the rows
        done = int(done)
        self.seen.append(done)
        return done

    def state(self) -> ImportJob:
        return ImportJob.objects.unscoped().get(pk=self.job.pk)


def test_it_resumes_a_killed_import_from_the_last_committed_chunk(
    real_worker, client_as, manager_a, org_a, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "test-media"  # where the worker's test settings look
    assert settings.CELERY_BEAT_SCHEDULE["resume-stalled-imports"]["task"] == (
        resume_stalled_imports.name
    )
    first = real_worker(data_dir=tmp_path)
    client = client_as(manager_a)
    response = client.post(
        page_url(org_a, "imports/"),
        {"kind": "contacts", "file": SimpleUploadedFile("crm.csv", crm_export())},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = ImportJob.objects.unscoped().get(organization=org_a)
    progress = Progress(client, org_a, job)
    mapping = {"map-0": "external_id", "map-1": "email", "map-2": "phone", "map-3": "first_name"}
    client.post(page_url(org_a, f"imports/{job.pk}/"), mapping)

    # Kill the worker once at least one chunk has committed, well before the end.
    wait_for(lambda: progress.read() >= imports.CHUNK_ROWS, message="the first chunk")
    first.kill()
    killed = progress.state()
    assert killed.status == ImportStatus.RUNNING, "the import ended before the worker was killed"
    committed = killed.rows_committed
    assert imports.CHUNK_ROWS <= committed < ROWS
    assert committed % imports.CHUNK_ROWS == 0  # whole chunks only: the open one rolled back
    assert (
        Contact.objects.unscoped().filter(organization=org_a).count()
        + (ImportRejection.objects.unscoped().filter(job=job).count())
        == committed
    )

    second = real_worker(data_dir=tmp_path)
    # The sweeper leaves a job alone while its worker may still be alive ...
    sweep = resume_stalled_imports.delay()
    wait_for(lambda: f"[{sweep.id}] succeeded" in second.output, message="the first sweep")
    assert progress.state().rows_committed == committed
    assert progress.read() == committed
    # ... and resumes it once the worker has been silent for longer than STALE_AFTER.
    ImportJob.objects.unscoped().filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - imports.STALE_AFTER - timedelta(seconds=1)
    )
    resume_stalled_imports.delay()
    wait_for(
        lambda: progress.read() == ROWS and progress.state().is_finished,
        timeout=120,
        message="the resumed import to finish",
    )

    final = progress.state()
    rejected = len(expected_rejected_lines())
    assert final.status == ImportStatus.DONE, final.error
    assert (final.total_rows, final.rows_committed) == (ROWS, ROWS)
    assert (final.created_count, final.updated_count, final.rejected_count) == (
        ROWS - rejected,
        0,
        rejected,
    )
    stored = list(
        Contact.objects.unscoped().filter(organization=org_a).values_list("external_id", flat=True)
    )
    assert len(stored) == len(set(stored)) == ROWS - rejected
    assert set(stored) == {f"K-{i:05d}" for i in range(ROWS) if i % BAD_EVERY}
    lines = list(
        ImportRejection.objects.unscoped()
        .filter(job=job)
        .order_by("row_number")
        .values_list("row_number", flat=True)
    )
    assert lines == expected_rejected_lines()
    assert progress.seen == sorted(progress.seen), "rows_committed went backwards"
    assert committed in progress.seen and progress.seen[-1] == ROWS
    assert "another runner took over" not in second.output
