"""Insert many new rows given as plain tuples, and get their ids back in order.

``bulk_create`` spends most of a large batch in Python: a model instance per row, then the insert
compiler's ``pre_save``/``get_db_prep_save`` per value and, on PostgreSQL, psycopg quoting the
UNNEST arrays client-side. ``insert_rows`` writes tuples instead:

* PostgreSQL: the ids are reserved from the table's sequence in one query, then the rows go
  through ``COPY … FROM STDIN`` on the same connection, inside the current transaction;
* SQLite (the embedded default): multi-row ``INSERT … RETURNING`` in statements that respect
  its limit on variables;
* any other backend: ``bulk_create`` of the same rows.

Values are what the column stores: ids for foreign keys (``organization_id``), aware datetimes,
``""`` rather than None for a blank text field, JSON fields as Python values (encoded here with
the field's encoder, as Django does). Fields not named get what Django would give a new row:
``auto_now``/``auto_now_add`` fields one "now" for the whole call, the others their default (a
callable default, such as a token, is called once per row). No signal is sent, as with
``bulk_create``.

``build`` makes a new model instance without ``Model.__init__``'s keyword processing, and
``insert_objects`` stores new instances through ``insert_rows`` as ``bulk_create`` would.
"""

import json
import sqlite3
from collections.abc import Sequence
from functools import partial
from operator import attrgetter, itemgetter

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

# Fields whose Python value is already what the database drivers store.
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "IntegerField",
    "SmallIntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "CharField",
    "TextField",
    "SlugField",
}
SQLITE_MAX_ROWS = 500  # rows per INSERT (SQLITE_MAX_COMPOUND_SELECT on older builds)


def insert_rows(model, fields: Sequence[str], rows: Sequence[Sequence], *, using=None) -> list:
    """Insert ``rows`` (one value per name of ``fields``) as new rows of ``model``; their ids.

    ``fields`` are field names or attnames (``"contact"`` or ``"contact_id"``), not the primary
    key. The ids come back in the order of ``rows`` (ascending, as the sequence gave them). Runs
    in the caller's transaction (or its own, in autocommit): a rollback leaves nothing.
    """
    rows = list(rows)
    if not rows:
        return []
    using = using or router.db_for_write(model)
    connection = connections[using]
    plan = Plan(model, fields, connection)
    if connection.vendor == "postgresql" and plan.pk_is_serial:
        write = copy_rows
    elif connection.vendor == "sqlite" and connection.features.can_return_rows_from_bulk_insert:
        write = insert_returning
    else:
        with transaction.atomic(using=using, savepoint=False):
            return create_rows(using, plan, rows)
    values = plan.values(rows)  # refused (ValueError) before the transaction is touched
    with transaction.atomic(using=using, savepoint=False):
        return write(connection, plan, values)


def insert_objects(objects: Sequence, *, using=None) -> None:
    """``bulk_create(objects)`` for new instances of one model, through ``insert_rows``.

    As ``bulk_create`` does, ``auto_now``/``auto_now_add`` fields get one "now" (on the instances
    too), then each instance gets its id and is marked as stored in ``using``. No signal is sent.
    Foreign keys are read from their ``*_id`` attributes: related objects must be saved first.
    """
    if not objects:
        return
    model = type(objects[0])
    using = using or router.db_for_write(model)
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if is_auto_now(field):
            for obj in objects:
                setattr(obj, field.attname, now)
    names = [field.attname for field in fields]
    rows = row_values(objects, names)
    ids = insert_rows(model, names, rows, using=using)
    pk = model._meta.pk.attname
    for obj, value in zip(objects, ids, strict=True):
        setattr(obj, pk, value)
        obj._state.adding = False
        obj._state.db = using


def row_values(objects, names: list) -> list[tuple]:
    """The values of ``names`` (attnames) of each object, as tuples."""
    if len(names) == 1:
        return [(getattr(obj, names[0]),) for obj in objects]
    try:
        # Straight from the instances' dicts, where the model keeps its field values.
        values = itemgetter(*names)
        return [values(obj.__dict__) for obj in objects]
    except KeyError:  # a deferred field: the descriptors load it
        values = attrgetter(*names)
        return [values(obj) for obj in objects]


def build(model, values: dict):
    """A new (unsaved) instance of ``model`` from attnames → values; other fields get defaults.

    What ``model(**values)`` gives, without its keyword processing: the values go straight to the
    instance (as unpickling does) unless something listens to ``pre_init``/``post_init`` for the
    model, when ``Model.__init__`` runs with positional values. Related objects are not assigned
    (give ``contact_id``, not ``contact``); a callable default is called for each instance.
    """
    template, called = defaults_of(model)
    if not values.keys() <= template.keys():
        unknown = ", ".join(sorted(values.keys() - template.keys()))
        raise ValueError(f"Not attnames of {model.__name__}'s columns: {unknown}.")
    row = template.copy()
    row.update(values)
    for attname, default in called:
        if attname not in values:
            row[attname] = default()
    if (pre_init.receivers or post_init.receivers) and (
        pre_init.has_listeners(model) or post_init.has_listeners(model)
    ):
        return model(*[row[field.attname] for field in model._meta.concrete_fields])
    row["_state"] = ModelState()
    instance = model.__new__(model)
    instance.__dict__ = row  # the dict built above, not a copy of it
    return instance


_DEFAULTS = {}


def defaults_of(model) -> tuple[dict, list]:
    """attname → constant default of each column, and (attname, callable) of the others."""
    found = _DEFAULTS.get(model)
    if found is None:
        template, called = {}, []
        for field in model._meta.concrete_fields:
            if field.has_default() and callable(field.default):
                template[field.attname] = None
                called.append((field.attname, field.default))
            else:
                # What get_default() returns for a constant or absent default (None, "", 0...).
                template[field.attname] = field.get_default()
        found = _DEFAULTS[model] = (template, called)
    return found


def is_auto_now(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


class Plan:
    """The columns an insert writes: the fields given, then the others with their defaults."""

    def __init__(self, model, names: Sequence[str], connection):
        opts = model._meta
        if opts.parents:
            raise ValueError(f"{model.__name__} spans several tables (multi-table inheritance).")
        self.model = model
        self.table = opts.db_table
        self.pk = opts.pk
        self.pk_is_serial = isinstance(self.pk, models.AutoField)  # Auto, BigAuto, SmallAuto
        by_name = {}
        for field in opts.concrete_fields:
            by_name[field.name] = by_name[field.attname] = field
        self.given = []
        for name in names:
            field = by_name.get(name)
            if field is None:
                raise ValueError(f"{model.__name__} has no concrete field '{name}'.")
            if field.primary_key:
                raise ValueError(f"insert_rows picks the ids of {model.__name__}: drop '{name}'.")
            self.given.append(field)
        if len(set(self.given)) != len(self.given):
            raise ValueError(f"A field is named twice in {list(names)}.")
        self.filled = [f for f in opts.concrete_fields if not f.primary_key and f not in self.given]
        self.columns = [field.column for field in self.given + self.filled]
        self.connection = connection

    def values(self, rows: list) -> list[tuple]:
        """The rows in the database's terms, the filled fields appended (column by column)."""
        width, count = len(self.given), len(rows)
        for row in rows:
            if len(row) != width:
                raise ValueError(f"Expected {width} values, got {len(row)}: {row!r}.")
        columns = [list(column) for column in zip(*rows, strict=True)] if width else []
        for index, field in enumerate(self.given):
            convert = converter(field, self.connection)
            if convert is not None:
                columns[index] = convert(columns[index])
        now = timezone.now()
        for field in self.filled:
            convert = converter(field, self.connection) or identity
            if is_auto_now(field):
                columns.append(convert([now]) * count)
            elif field.has_default() and callable(field.default):
                columns.append(convert([field.default() for _ in range(count)]))
            else:
                columns.append(convert([field.get_default()]) * count)
        return list(zip(*columns, strict=True))


# --------------------------------------------------------------------------------------------
# Values: each converter takes and returns a column (a list of values)
# --------------------------------------------------------------------------------------------


def identity(column: list) -> list:
    return column


def converter(field, connection):
    """What turns a column of Python values into what ``connection`` stores; None if nothing."""
    if field.is_relation:
        return converter(field.target_field, connection)
    kind = field.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if kind == "JSONField":
        dumps = json.dumps if field.encoder is None else partial(json.dumps, cls=field.encoder)
        return partial(json_texts, dumps)
    if kind == "DateTimeField":
        if connection.vendor == "postgresql":
            return partial(datetimes, None)
        if connection.vendor == "sqlite" and settings.USE_TZ:
            return partial(datetimes, partial(sqlite_datetimes, connection.timezone))
        return partial(datetimes, partial(each, connection.ops.adapt_datetimefield_value))
    if kind == "DateField":
        return partial(each, connection.ops.adapt_datefield_value)
    return partial(each, partial(field.get_db_prep_save, connection=connection))


def each(convert, column: list) -> list:
    return [convert(value) for value in column]


def json_texts(dumps, column: list) -> list:
    # As JSONField: None is SQL NULL; anything else its JSON text (jsonb parses it on PostgreSQL).
    return [None if value is None else dumps(value) for value in column]


def datetimes(adapt, column: list) -> list:
    """Aware datetimes as they are (psycopg sends the offset), or adapted (SQLite: UTC text)."""
    if settings.USE_TZ:
        for value in column:
            if value is not None and value.tzinfo is None:
                raise ValueError(f"A naive datetime ({value}) where an aware one is stored.")
    return column if adapt is None else adapt(column)


def sqlite_datetimes(zone, column: list) -> list:
    """SQLite's adapt_datetimefield_value: naive in the connection's zone, as text."""
    texts = {None: None}  # a batch repeats its moments (now, an event's time…): each once
    for value in column:
        if value not in texts:
            texts[value] = str(value.astimezone(zone).replace(tzinfo=None))
    return [texts[value] for value in column]


# --------------------------------------------------------------------------------------------
# Per backend
# --------------------------------------------------------------------------------------------


def copy_rows(connection, plan: Plan, values: list[tuple]) -> list:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The ids first: the sequence hands each one out once, whatever other writers do.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(plan.table), plan.pk.column, len(values)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        columns = ", ".join(quote(column) for column in [plan.pk.column, *plan.columns])
        statement = f"COPY {quote(plan.table)} ({columns}) FROM STDIN"
        # psycopg's own errors (a unique violation…) become Django's, as for any query.
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            write = copy.write_row
            for pk, row in zip(ids, values, strict=True):
                write((pk, *row))
    return ids


def insert_returning(connection, plan: Plan, values: list[tuple]) -> list:
    quote = connection.ops.quote_name
    width = len(plan.columns)
    per_statement = max(1, min(SQLITE_MAX_ROWS, variable_limit(connection) // width))
    # Quoted names from the model's options; the values go as parameters.
    names = ", ".join(map(quote, plan.columns))
    head = f"INSERT INTO {quote(plan.table)} ({names}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * width) + ")"
    tail = f" RETURNING {quote(plan.pk.column)}"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            # SQLite promises no order for RETURNING; rows get increasing ids in VALUES order.
            ids.extend(sorted(row[0] for row in cursor.fetchall()))
    return ids


def variable_limit(connection) -> int:
    """SQLite's limit on variables per statement (999 on old builds, 32,766 since 3.32)."""
    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        return connection.features.max_query_params or 999


def create_rows(using, plan: Plan, rows: list) -> list:
    """Any other backend: the ORM's bulk_create of instances of the same rows."""
    names = [field.attname for field in plan.given]
    objects = [plan.model(**dict(zip(names, row, strict=True))) for row in rows]
    plan.model._base_manager.using(using).bulk_create(objects)
    return [obj.pk for obj in objects]
