"""Message bodies from templates: ``templates/sms/<name>.txt`` and ``templates/emails/<name>-*``.

Plain-text templates render without HTML escaping (an organization called "Bed & Bath" must not
become "Bed &amp; Bath" in an SMS); the HTML email body is escaped as usual.
"""

from dataclasses import dataclass

from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import translation

from .gsm7 import SINGLE_SEGMENT_SEPTETS, septets, to_gsm7

SCORES = range(11)  # the 0-10 scale of the HTML email


class MessageTooLong(Exception):
    """Neither the template nor its short variant fits one SMS segment with these variables."""

    def __init__(self, name: str, length: int):
        super().__init__(f"sms/{name}-short.txt is {length} septets with these variables")
        self.name = name
        self.length = length


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def render_sms(name: str, context: dict, *, locale: str) -> str:
    """The SMS body in GSM-7, in one segment: the template, else its short variant."""
    with translation.override(locale):
        body = _render_sms_body(f"sms/{name}.txt", context)
        if septets(body) <= SINGLE_SEGMENT_SEPTETS:
            return body
        short = _render_sms_body(f"sms/{name}-short.txt", context)
    if septets(short) <= SINGLE_SEGMENT_SEPTETS:
        return short
    raise MessageTooLong(name, septets(short))


def render_email(name: str, context: dict, *, locale: str, html: bool = False) -> RenderedEmail:
    """Subject, plain-text body and (only when asked) the HTML body of ``emails/<name>-*``."""
    context = {"scores": SCORES, **context}
    with translation.override(locale):
        subject = " ".join(render_text(f"emails/{name}-subject.txt", context).split())
        text = render_text(f"emails/{name}-body.txt", context).strip() + "\n"
        body_html = render_to_string(f"emails/{name}-body.html", context) if html else None
    return RenderedEmail(subject=subject, text=text, html=body_html)


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template, variables as they are (no HTML escaping)."""
    template = engines["django"].get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def _render_sms_body(template_name: str, context: dict) -> str:
    # Variables are converted too: a name typed with "ç" or a pasted "’" stays in GSM-7.
    return " ".join(to_gsm7(render_text(template_name, context)).split())
