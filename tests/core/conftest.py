"""Fixtures and HTML readers shared by the tests of the platform core."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from html.parser import HTMLParser


def closed_port() -> int:
    """A local TCP port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on close: nothing listens there any more


def unreachable_cache() -> dict:
    """A CACHES setting whose Redis is down (for override_settings)."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


# --- the main navigation ---------------------------------------------------------------------


class _NavParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0  # > 0 while inside <nav class="mainnav">
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "nav":
            if self.depth or "mainnav" in (attributes.get("class") or "").split():
                self.depth += 1
        elif tag == "a" and self.depth:
            self.links.append(attributes.get("href"))

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1


def nav_links(html: str) -> list[str]:
    """The hrefs of the main navigation (``<nav class="mainnav">``), in order."""
    parser = _NavParser()
    parser.feed(html)
    return parser.links


# --- forms -----------------------------------------------------------------------------------


@dataclass
class Field:
    tag: str  # input, textarea, select
    name: str
    type: str  # input type; "textarea" / "select" for those tags
    value: str = ""
    required: bool = False
    checked: bool = False
    multiple: bool = False
    attrs: dict = field(default_factory=dict)
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str | None
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)
    # URLs htmx or a script posts the form's fields to (hx-post on the form or an element inside
    # it, data-preview-url on the form).
    hx_posts: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: list | None = None  # [value or None, selected, text]

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self.form = Form(
                action=attributes.get("action") or None,
                method=(attributes.get("method") or "get").lower(),
                enctype=attributes.get("enctype") or "application/x-www-form-urlencoded",
            )
            self.forms.append(self.form)
        if self.form is not None and attributes.get("hx-post"):
            self.form.hx_posts.append(attributes["hx-post"])
        if tag == "form" and attributes.get("data-preview-url"):  # the survey editor's preview
            self.form.hx_posts.append(attributes["data-preview-url"])
        if tag == "form" or self.form is None or ("name" not in attributes and tag != "option"):
            return
        if tag == "input":
            self.form.fields.append(
                Field(
                    "input",
                    attributes["name"],
                    (attributes.get("type") or "text").lower(),
                    attributes.get("value", ""),
                    "required" in attributes,
                    "checked" in attributes,
                    attrs=attributes,
                )
            )
        elif tag == "textarea":
            self.textarea = Field(
                "textarea",
                attributes["name"],
                "textarea",
                "",
                "required" in attributes,
                attrs=attributes,
            )
            self.form.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(
                "select",
                attributes["name"],
                "select",
                required="required" in attributes,
                multiple="multiple" in attributes,
                attrs=attributes,
            )
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = [attributes.get("value"), "selected" in attributes, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the newline that follows <textarea> (Django writes one).
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self.select = None

    def _close_option(self):
        if self.option is not None and self.select is not None:
            value, selected, text = self.option
            self.select.options.append((text.strip() if value is None else value, selected))
        self.option = None


def parse_forms(html: str) -> list[Form]:
    """Every ``<form>`` of a page with its fields (inputs, textareas, selects and options)."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


# --- inline code (what a script-src 'self' policy would block) --------------------------------

# Non-executable script types (data islands such as Django's json_script) are allowed inline.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class _InlineCodeFinder(HTMLParser):
    """Inline scripts, on*= handlers, hx-on attributes and javascript: URLs in an HTML text."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        where = f"line {self.getpos()[0]}: <{tag}>"
        names = {name.lower(): value or "" for name, value in attrs}
        script_type = names.get("type", "").strip().lower()
        if tag == "script" and "src" not in names and script_type not in DATA_SCRIPT_TYPES:
            self.problems.append(f"{where} inline script without src")
        for name, value in names.items():
            if name.startswith("on") and name.isalpha():
                self.problems.append(f"{where} event handler attribute {name}=")
            if name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{where} htmx inline handler {name}=")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"{where} javascript: URL in {name}")


def inline_code(html: str) -> list[str]:
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
