"""The pages' languages: English, Ukrainian and Russian, from Babel message catalogues.

A language's catalogue is every ``.po`` file in ``locales/<language>/LC_MESSAGES/`` (one
per part of the app: ``messages.po`` for what every page shares, others by page), read,
merged and compiled in memory when first needed, so there is no build step and no binary
file to keep in step with its source. English is the language the templates are written
in; its catalogue lists every message too, so that a test can tell a message missing
from any of the three.

A page's language is the one the person chose (the ``lang`` cookie, set from the
language menu) or else the best of ``Accept-Language``, or else English.
"""

from __future__ import annotations

import functools
import gettext
import io
from contextvars import ContextVar
from importlib.resources import files
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "catalogue",
    "catalogue_files",
    "choose",
    "current",
    "language_names",
    "messages_in_use",
    "missing",
    "translations",
    "using",
]

LANGUAGES = ("en", "uk", "ru")
DEFAULT = "en"
LANGUAGE_COOKIE = "parley_lang"
DOMAIN = "messages"


def catalogue_files(language: str) -> list[Path]:
    """The ``.po`` files of ``language``'s catalogue, in name order."""
    folder = Path(str(files("parley.entrypoints.web"))) / "locales" / language / "LC_MESSAGES"
    return sorted(folder.glob("*.po"))


def catalogue(language: str) -> Catalog:
    """``language``'s messages, all its ``.po`` files in one catalogue.

    Raises:
        ValueError: a message is in two files of the language with different
            translations (which one a page showed would depend on file order).
    """
    merged = Catalog(locale=language, domain=DOMAIN)
    for path in catalogue_files(language):
        with path.open("rb") as po:
            part = read_po(po, locale=language)
        for message in part:
            if not message.id:
                continue  # the header
            before = merged.get(message.id)
            if before is not None and before.string != message.string:
                raise ValueError(f"{path.name}: {message.id!r} is translated differently elsewhere")
            merged[message.id] = message
    return merged


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """``language``'s compiled catalogue (English: the messages as written)."""
    if language not in LANGUAGES or language == DEFAULT:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def choose(chosen: str | None, accept_language: str | None) -> str:
    """The language of a page: the one chosen, else the best accepted, else English."""
    if chosen in LANGUAGES:
        return chosen
    if accept_language:
        ranked = []
        for part in accept_language.split(","):
            tag, _, weight = part.strip().partition(";q=")
            try:
                quality = float(weight) if weight else 1.0
            except ValueError:
                continue
            if tag and quality > 0:
                ranked.append((quality, tag.strip().replace("-", "_")))
        ranked.sort(key=lambda pair: -pair[0])
        found = negotiate_locale([tag for _, tag in ranked], list(LANGUAGES), sep="_")
        if found:
            return found
    return DEFAULT


@functools.cache
def language_names() -> dict[str, str]:
    """Each language by its own name, for the language menu (English, Українська...)."""
    return {code: str(Locale.parse(code).get_display_name(code)).capitalize() for code in LANGUAGES}


def messages_in_use() -> dict[str, list[str]]:
    """Every message the pages can show, with where each is written (``file:line``).

    Read from the templates and the web app's Python (``_``, ``gettext``, ``ngettext``)
    the way ``pybabel extract`` reads them.
    """
    root = Path(str(files("parley.entrypoints.web")))
    jinja = {"extensions": "jinja2.ext.i18n", "trim_blocks": "1", "lstrip_blocks": "1"}
    found: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root),
        method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
        options_map={"templates/**.html": jinja},
    ):
        for single in message if isinstance(message, tuple) else (message,):
            found.setdefault(single, []).append(f"{filename}:{line}")
    return found


def _all_translated(string: object) -> bool:
    """Whether a catalogue entry's translation, or every plural form of it, is filled."""
    forms = string if isinstance(string, tuple | list) else (string,)
    return all(isinstance(form, str) and form for form in forms)


def missing(language: str) -> dict[str, list[str]]:
    """The messages in use that ``language``'s catalogue lacks or leaves untranslated.

    English needs every message listed; Ukrainian and Russian need each translated and
    not marked fuzzy.
    """
    known = catalogue(language)
    lacking = {}
    for message, where in messages_in_use().items():
        entry = known.get(message)
        translated = entry is not None and (
            language == DEFAULT or (_all_translated(entry.string) and not entry.fuzzy)
        )
        if not translated:
            lacking[message] = where
    return lacking


_CURRENT: ContextVar[str] = ContextVar("parley_page_language", default=DEFAULT)


def current() -> str:
    """The language of the page being rendered."""
    return _CURRENT.get()


def using(language: str) -> None:
    """Render what follows, in this context, in ``language``."""
    _CURRENT.set(language)
