"""Rendering pages: one Jinja2 environment, the messages of the page's language, and the
filters every page uses to show numbers, times and names.

Names are always shown as written, with a Latin transliteration beside any name written
in Cyrillic (Ukrainian names by the Cabinet's 2010 table, the rest by ICAO Doc 9303), so
that a mediator who cannot read Cyrillic, and an officer of the other side, can still
read them aloud.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from parley.domain.people import NameLanguage, guess_name_language
from parley.entrypoints.web import i18n
from parley.matching.transliteration import to_latin_icao, to_latin_kmu2010

__all__ = ["environment", "gettext", "ngettext", "page", "role_name", "transliterated"]


def gettext(message: str) -> str:
    """``message`` in the language of the page being rendered."""
    return i18n.translations(i18n.current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n``, in the page's language."""
    return i18n.translations(i18n.current()).ngettext(singular, plural, n)


def transliterated(name: str) -> str | None:
    """A Latin spelling of a name written in Cyrillic; None for a name in Latin letters."""
    language = guess_name_language(name)
    if language is NameLanguage.LATIN or not name.strip():
        return None
    if language is NameLanguage.UKRAINIAN:
        return to_latin_kmu2010(name)
    return to_latin_icao(name)


def _person(name: str | None) -> Markup:
    """A name as written, and its transliteration in a quieter style."""
    if not name:
        return Markup('<span class="muted">—</span>')
    latin = transliterated(name)
    shown = Markup('<span class="name" dir="auto">{}</span>').format(name)
    if latin and latin != name:
        shown += Markup(' <span class="translit" lang="en">({})</span>').format(latin)
    return shown


def _number(value: float | int | None) -> str:
    return "—" if value is None else format_decimal(value, locale=i18n.current())


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, locale=i18n.current())


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return format_datetime(value, "medium", tzinfo=value.tzinfo, locale=i18n.current())


def role_name(role: str) -> str:
    """A role as the page's language names it."""
    names = {
        "party": gettext("party office"),
        "mediator": gettext("mediator"),
        "neutral_verifier": gettext("neutral verifier"),
        "observer": gettext("observer"),
        "admin": gettext("administrator"),
    }
    return names.get(role, role)


@functools.cache
def environment() -> Environment:
    """The pages' Jinja2 environment (one per process; it caches compiled templates)."""
    env = Environment(
        loader=PackageLoader("parley.entrypoints.web", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle: {{ _("%(n)s people", n=3) }} formats after translating, and escapes.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(person=_person, number=_number, percent=_percent, when=_when)
    env.globals.update(languages=i18n.language_names, role_name=role_name)
    return env


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """``template`` rendered for ``request``, in the page's language.

    The context always has ``request``, ``lang`` (the page's language), ``viewer`` (the
    signed-in principal, or None) and ``csrf`` (the web session's CSRF token, or "").
    """
    language = getattr(request.state, "language", i18n.DEFAULT)
    i18n.using(language)
    full = {
        "request": request,
        "lang": language,
        "viewer": getattr(request.state, "principal", None),
        "csrf": getattr(request.state, "csrf", ""),
        **context,
    }
    html = environment().get_template(template).render(full)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "no-store"
    return response
