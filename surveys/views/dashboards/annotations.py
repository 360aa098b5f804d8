"""A touchpoint's score on its card of the journey map (registry ``touchpoint_annotations``)."""

from django.utils.translation import gettext as _

ANNOTATION_DAYS = 30


def score_lines(organization, touchpoint_ids) -> dict[int, list[str]]:
    """``{touchpoint id: ["NPS +32 · level 66, neutral · last 30 days"]}`` for the touchpoints
    answered in the last 30 days, from one rollup query for all of them."""
    from surveys.metrics import Period, touchpoint_levels

    from .pages import level_view

    levels = touchpoint_levels(organization, Period.last_days(organization, ANNOTATION_DAYS))
    lines = {}
    for pk in touchpoint_ids:
        view = level_view(organization, levels.get(pk))
        if not view["measured"]:
            continue
        text = _("%(metric)s %(value)s · %(level)s · last %(days)s days") % {
            "metric": view["metric_name"],
            "value": view["value_text"],
            "level": view["text"],
            "days": ANNOTATION_DAYS,
        }
        if view["low_n"]:
            text += " · " + _("few answers")
        lines[pk] = [text]
    return lines
