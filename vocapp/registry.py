"""Extension points through which an app shows or handles another app's data.

Dependencies point one way (vocapp <- journeys <- surveys <- alerts <- roi): a left app never
imports a right one. Instead each app registers, in its AppConfig.ready(), what it contributes:
navigation entries, settings tabs, dashboard panels, case-context panels, GDPR exporters and
erasers, import row handlers, set-up steps and demo data. Consumers iterate a registry and never
name the contributors.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered set of contributions, each with a unique ``key`` and an ``order``."""

    def __init__(self, name: str):
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        key = item.key
        if key in self._items:
            raise ImproperlyConfigured(f"{self.name}: {key!r} is registered twice")
        self._items[key] = item
        return item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._items.values(), key=lambda item: (item.order, item.key)))

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class NavEntry:
    """A link in the organization's navigation; shown only to members with ``capability``."""

    key: str
    label: Any
    url_name: str
    capability: str = "view"
    order: int = 100
    section: str = "main"


@dataclass(frozen=True)
class Panel:
    """A block of a page (dashboard, case context) rendered from ``template`` with ``context``.

    ``context(organization, request, **kwargs)`` returns the template's context, or None to hide
    the panel.
    """

    key: str
    title: Any
    template: str
    context: Callable[..., dict | None]
    capability: str = "view"
    order: int = 100


@dataclass(frozen=True)
class GdprExporter:
    """``export(contact)`` returns JSON-ready data stored about the contact by one app."""

    key: str
    export: Callable[[Any], Any]
    order: int = 100


@dataclass(frozen=True)
class GdprEraser:
    """``erase(contact)`` erases what one app stores about the contact; returns rows touched."""

    key: str
    erase: Callable[[Any], int]
    order: int = 100


@dataclass(frozen=True)
class ImportRowHandler:
    """One kind of CSV import: its columns and the function that stores a batch of rows."""

    key: str
    label: Any
    columns: tuple[str, ...]
    handle_rows: Callable[..., Any]
    required_columns: tuple[str, ...] = ()
    capability: str = "configure"
    order: int = 100
    # ``extra_columns(organization)`` adds columns known only at run time (declared attributes).
    extra_columns: Callable[[Any], list] | None = None

    def all_columns(self, organization) -> list[str]:
        extra = self.extra_columns(organization) if self.extra_columns else []
        return [*self.columns, *extra]


@dataclass(frozen=True)
class SetupStep:
    """A line of the set-up checklist: done when ``count(organization)`` is above zero."""

    key: str
    label: Any
    count: Callable[[Any], int]
    url_name: str | None = None
    capability: str = "view"
    order: int = 100
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RetentionPurger:
    """``purge(organization, cutoff)`` deletes or anonymises one app's data older than cutoff."""

    key: str
    purge: Callable[..., int]
    order: int = 100


@dataclass(frozen=True)
class DemoSeeder:
    """``seed(organization, rng, today)`` adds one app's demo data; it must be idempotent."""

    key: str
    seed: Callable[..., Any]
    order: int = 100


@dataclass(frozen=True)
class TouchpointLink:
    """A page of an app to the right about one touchpoint, linked from the touchpoint's page.

    ``url_name`` takes ``org_slug`` and ``pk`` (the touchpoint's id).
    """

    label: Any
    url_name: str
    capability: str = "view"


@dataclass(frozen=True)
class TouchpointAnnotation:
    """Short lines shown on touchpoint cards of the journey map by an app to the right.

    ``annotate(organization, touchpoint_ids)`` returns ``{touchpoint_id: [text, ...]}``, e.g. how
    each touchpoint is listened to (surveys) or its score (dashboards), in one query per app.
    ``link``, if any, is shown on the touchpoint's own page (e.g. its invitations).
    """

    key: str
    annotate: Callable[[Any, list[int]], dict[int, list[str]]]
    order: int = 100
    link: TouchpointLink | None = None


@dataclass(frozen=True)
class JourneyLink:
    """A page of an app to the right about one journey, linked from the journey's map (e.g. its
    scores and emotion curve). ``url_name`` takes ``org_slug`` and ``pk`` (the journey's id)."""

    key: str
    label: Any
    url_name: str
    capability: str = "view"
    order: int = 100


navigation: Registry[NavEntry] = Registry("navigation")
# Tabs of the organization settings pages; ``key`` is the ``section`` the page renders with.
settings_tabs: Registry[NavEntry] = Registry("settings tabs")
dashboard_panels: Registry[Panel] = Registry("dashboard panels")
case_context_panels: Registry[Panel] = Registry("case-context panels")
gdpr_exporters: Registry[GdprExporter] = Registry("GDPR exporters")
gdpr_erasers: Registry[GdprEraser] = Registry("GDPR erasers")
import_row_handlers: Registry[ImportRowHandler] = Registry("import row handlers")
setup_steps: Registry[SetupStep] = Registry("set-up steps")
demo_seeders: Registry[DemoSeeder] = Registry("demo seeders")
retention_purgers: Registry[RetentionPurger] = Registry("retention purgers")
contact_panels: Registry[Panel] = Registry("contact profile panels")
touchpoint_annotations: Registry[TouchpointAnnotation] = Registry("touchpoint annotations")
journey_links: Registry[JourneyLink] = Registry("journey links")
