"""The shapes of a journey template and the helpers the template modules are written with."""

from dataclasses import dataclass, field

from django.utils import translation

from journeys.models import Channel, Direction, JourneyKind, Nature

LANGUAGES = ("en", "fr")
FALLBACK = "en"


def localized(texts: dict, locale: str | None = None) -> str:
    """The text in ``locale`` (the active language by default), else English."""
    locale = (locale or translation.get_language() or FALLBACK).split("-")[0]
    return texts.get(locale) or texts[FALLBACK]


@dataclass(frozen=True)
class TouchpointTemplate:
    key: str
    name: dict
    channel: str
    direction: str
    nature: str
    goal: dict
    importance: int = 3
    moment_of_truth: bool = False


@dataclass(frozen=True)
class StageTemplate:
    name: dict
    touchpoints: tuple[TouchpointTemplate, ...] = ()


@dataclass(frozen=True)
class JourneyTemplate:
    key: str
    name: dict
    description: dict
    kind: str = JourneyKind.CUSTOMER
    stages: tuple[StageTemplate, ...] = field(default_factory=tuple)

    def label(self, locale=None) -> str:
        return localized(self.name, locale)

    def summary(self, locale=None) -> str:
        return localized(self.description, locale)

    @property
    def touchpoint_count(self) -> int:
        return sum(len(stage.touchpoints) for stage in self.stages)

    @property
    def moments_of_truth(self) -> int:
        return sum(tp.moment_of_truth for stage in self.stages for tp in stage.touchpoints)

    def stage_names(self, locale=None) -> list[str]:
        return [localized(stage.name, locale) for stage in self.stages]


def tp(key, en, fr, channel, direction, nature, goal_en, goal_fr, importance=3, mot=False):
    return TouchpointTemplate(
        key=key,
        name={"en": en, "fr": fr},
        channel=channel,
        direction=direction,
        nature=nature,
        goal={"en": goal_en, "fr": goal_fr},
        importance=importance,
        moment_of_truth=mot,
    )


def stage(en, fr, *touchpoints):
    return StageTemplate(name={"en": en, "fr": fr}, touchpoints=tuple(touchpoints))


PUSH, PULL = Direction.PUSH, Direction.PULL
INFO, TRANS = Nature.INFORMATIVE, Nature.TRANSACTIONAL
C = Channel
