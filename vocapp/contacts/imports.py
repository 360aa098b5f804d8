"""The CSV import framework every importer of the product uses.

Upload → ImportJob (status ``mapping``) → the user maps columns → a Celery task processes the file
in chunks. Each chunk's rows, rejections and the job's counters commit together, and the commit
only goes through if ``rows_committed`` is still where this runner started: a crashed worker's
job resumes from the last committed chunk, and two runners never store a chunk twice.

A handler column ending in ``.*`` (``attributes.*``) stands for every column of the file that
starts with that prefix: free-form names, such as an interaction's attributes, that no list can
declare in advance.
"""

import codecs
import csv
import io
import itertools
import logging
from datetime import timedelta

from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vocapp import registry
from vocapp.tenancy.audit import record_audit
from vocapp.tenancy.scope import require_organization

from .models import ImportJob, ImportRejection, ImportStatus

logger = logging.getLogger("vocapp.imports")

CHUNK_ROWS = 1000
STALE_AFTER = timedelta(minutes=2)
MAX_HEADER_COLUMNS = 200


class ImportFileError(ValueError):
    pass


def handler_for(kind: str):
    handler = registry.import_row_handlers.get(kind)
    if handler is None:
        raise ImportFileError(f"Unknown import kind '{kind}'.")
    return handler


def open_text(job: ImportJob):
    job.file.open("rb")
    return io.TextIOWrapper(job.file.file, encoding="utf-8-sig", newline="")


def sniff_dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_header(upload) -> tuple[list[str], str]:
    upload.seek(0)
    sample = upload.read(64 * 1024)
    if isinstance(sample, bytes):
        try:
            # Not final: the sample may end inside a multi-byte character of a valid file.
            sample = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
        except UnicodeDecodeError:
            raise ImportFileError("The file must be a CSV encoded in UTF-8.") from None
    upload.seek(0)
    dialect = sniff_dialect(sample)
    header = next(csv.reader(io.StringIO(sample), dialect), None)
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError("The file is empty or has no header row.")
    if len(header) > MAX_HEADER_COLUMNS:
        raise ImportFileError(f"The file has more than {MAX_HEADER_COLUMNS} columns.")
    return [cell.strip() for cell in header], dialect.delimiter


def target_columns(handler, organization, header: list[str]) -> list[str]:
    """The fields a column of this file may be mapped to, wildcards expanded on its header."""
    columns = []
    for column in handler.all_columns(organization):
        if column.endswith(".*"):
            prefix = column[:-1]
            columns += [name for name in header if name.startswith(prefix) and name != prefix]
        else:
            columns.append(column)
    return list(dict.fromkeys(columns))


def guess_mapping(header: list[str], columns: list[str]) -> dict:
    """Source column → target column where the names match (case and spacing aside)."""

    def simplify(name):
        return name.strip().lower().replace(" ", "_").replace("-", "_")

    targets = {simplify(column): column for column in columns}
    targets.update({simplify(c.split(".", 1)[1]): c for c in columns if "." in c})
    return {source: targets[simplify(source)] for source in header if simplify(source) in targets}


def start_import(actor, kind: str, upload) -> ImportJob:
    organization = require_organization()
    handler = handler_for(kind)
    header, delimiter = read_header(upload)
    job = ImportJob.objects.create(
        kind=kind,
        original_name=upload.name[:255],
        header=header,
        column_mapping=guess_mapping(header, target_columns(handler, organization, header)),
        created_by=actor,
        language=translation.get_language() or organization.default_locale,
    )
    job.file.save(f"{organization.pk}/{job.pk}.csv", File(upload), save=True)
    record_audit(actor, "import.uploaded", job, {"kind": kind, "file": job.original_name})
    return job


def validate_mapping(job: ImportJob, mapping: dict) -> dict:
    """Only known source and target columns; every required target mapped once."""
    handler = handler_for(job.kind)
    allowed = set(target_columns(handler, job.organization, job.header))
    cleaned, errors = {}, {}
    for source, target in mapping.items():
        if not target:
            continue
        if source not in job.header:
            errors[source] = [_("is not a column of the file.")]
        elif target not in allowed:
            errors[source] = [_("'%(name)s' is not a field of this import.") % {"name": target}]
        elif target in cleaned.values():
            errors[source] = [
                _("'%(name)s' is already mapped to another column.") % {"name": target}
            ]
        else:
            cleaned[source] = target
    for required in handler.required_columns:
        if required not in cleaned.values():
            errors.setdefault("mapping", []).append(
                _("Map a column to '%(name)s'.") % {"name": required}
            )
    if errors:
        raise MappingError(errors)
    return cleaned


class MappingError(ImportFileError):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def confirm_mapping(actor, job: ImportJob, mapping: dict) -> ImportJob:
    from .tasks import run_import

    job.column_mapping = validate_mapping(job, mapping)
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["column_mapping", "status"])
    record_audit(actor, "import.started", job, {"mapping": job.column_mapping})
    transaction.on_commit(lambda: run_import.delay(job.organization_id, job.pk))
    return job


def count_data_rows(job: ImportJob) -> int:
    with open_text(job) as text:
        dialect = sniff_dialect(text.read(64 * 1024))
        text.seek(0)
        return max(0, sum(1 for _ in csv.reader(text, dialect)) - 1)


def claim_job(job_id: int) -> ImportJob | None:
    """Mark the job running (from queued, or running but silent); None if nothing to do."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now
    ) or ImportJob.objects.filter(
        pk=job_id, status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(heartbeat_at=now)
    if not claimed:
        return None
    return ImportJob.objects.get(pk=job_id)


def run_import_job(job_id: int) -> ImportJob | None:
    """Process a job from its last committed chunk to the end (the task's body)."""
    job = claim_job(job_id)
    if job is None:
        return None
    handler = handler_for(job.kind)
    try:
        with translation.override(job.language):
            finished = process_rows(job, handler)
    except Exception as error:
        logger.exception("import %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        raise
    if not finished:
        return job
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    discard_uploaded_file(job)
    return job


def process_rows(job: ImportJob, handler) -> bool:
    """Commit the job's chunks from where it stands; False if another runner took over."""
    if job.total_rows is None:
        job.total_rows = count_data_rows(job)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
    for start, rows in pending_chunks(job):
        if not commit_chunk(job, handler, start, rows):
            logger.info("import %s: another runner took over at row %s", job.pk, start)
            return False
    return True


def discard_uploaded_file(job: ImportJob) -> None:
    """A finished import no longer needs its file, which holds customers' personal data: the
    counters, the header and the rejected rows are what the pages show."""
    if job.status == ImportStatus.DONE and job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def pending_chunks(job: ImportJob):
    """(first row index, rows as {target: value}) for every chunk after the committed ones."""
    with open_text(job) as text:
        dialect = sniff_dialect(text.read(64 * 1024))
        text.seek(0)
        reader = csv.reader(text, dialect)
        header = [cell.strip() for cell in next(reader, [])]
        positions = {
            index: job.column_mapping[name]
            for index, name in enumerate(header)
            if name in job.column_mapping
        }
        rows = itertools.islice(reader, job.rows_committed, None)
        start = job.rows_committed
        while True:
            chunk = list(itertools.islice(rows, CHUNK_ROWS))
            if not chunk:
                return
            yield start, [map_row(cells, positions) for cells in chunk]
            start += len(chunk)


def map_row(cells: list[str], positions: dict) -> dict:
    """Empty cells are absent (unchanged), never a clearing null."""
    return {
        target: cells[index].strip()
        for index, target in positions.items()
        if index < len(cells) and cells[index].strip() != ""
    }


@transaction.atomic
def commit_chunk(job: ImportJob, handler, start: int, rows: list[dict]) -> bool:
    results = handler.handle_rows(rows, job=job)
    counts = {"created": 0, "updated": 0, "rejected": 0}
    rejections = []
    for offset, (row, result) in enumerate(zip(rows, results, strict=True)):
        status = result["status"]
        if status == "rejected":
            rejections.append(
                ImportRejection(
                    organization=job.organization,
                    job=job,
                    row_number=start + offset + 2,
                    values=row,
                    errors=result["errors"],
                )
            )
        if status in counts:
            counts[status] += 1
    ImportRejection.objects.bulk_create(rejections)
    advanced = ImportJob.objects.filter(pk=job.pk, rows_committed=start).update(
        rows_committed=start + len(rows),
        created_count=F("created_count") + counts["created"],
        updated_count=F("updated_count") + counts["updated"],
        rejected_count=F("rejected_count") + counts["rejected"],
        heartbeat_at=timezone.now(),
    )
    if not advanced:
        transaction.set_rollback(True)
        return False
    return True


def stalled_jobs():
    """Running jobs whose worker went silent: cross-tenant, for the resume sweeper."""
    cutoff = timezone.now() - STALE_AFTER
    return ImportJob.objects.unscoped().filter(status=ImportStatus.RUNNING, heartbeat_at__lt=cutoff)


def rejections_csv(job: ImportJob):
    """Rows of the rejected-rows CSV: the file's own columns, then the reasons."""
    # In the file's order: the mapping is stored as jsonb, which does not keep key order.
    columns = [job.column_mapping[name] for name in job.header if name in job.column_mapping]
    yield ["row", *columns, "errors"]
    for rejection in job.rejections.iterator(chunk_size=2000):
        reasons = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in rejection.errors.items()
        )
        yield [rejection.row_number, *[rejection.values.get(c, "") for c in columns], reasons]
