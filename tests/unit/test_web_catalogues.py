"""The pages' messages: every one is in the English, Ukrainian and Russian catalogues."""

from __future__ import annotations

import pytest

from parley.entrypoints.web import i18n
from parley.entrypoints.web.render import transliterated


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_the_pages_show_is_in_the_catalogue(language: str) -> None:
    lacking = i18n.missing(language)
    shown = "\n".join(f"  {m!r} at {', '.join(where)}" for m, where in sorted(lacking.items()))
    assert not lacking, f"{len(lacking)} messages missing from the {language} catalogue:\n{shown}"


def test_a_message_missing_from_a_catalogue_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    in_use = i18n.messages_in_use()
    in_use["A sentence no catalogue has"] = ["templates/new.html:3"]
    monkeypatch.setattr(i18n, "messages_in_use", lambda: in_use)
    for language in i18n.LANGUAGES:
        assert i18n.missing(language) == {"A sentence no catalogue has": ["templates/new.html:3"]}


def test_the_messages_are_read_from_templates_and_python() -> None:
    in_use = i18n.messages_in_use()
    assert any(w.startswith("templates/base.html:") for w in in_use["Sign out"])
    assert any(w.startswith("render.py:") for w in in_use["neutral verifier"])


def test_translations_are_served_in_each_language() -> None:
    assert i18n.translations("uk").gettext("Sign in") == "Увійти"
    assert i18n.translations("ru").gettext("Sign in") == "Войти"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("chosen", "accepted", "language"),
    [
        ("ru", "uk", "ru"),  # the person's choice wins
        (None, "uk-UA,uk;q=0.9,en;q=0.5", "uk"),
        (None, "de-DE,ru;q=0.7,en;q=0.3", "ru"),
        (None, "en-GB,uk;q=0.5", "en"),
        (None, "de, fr;q=0.5", "en"),  # none of ours: English
        (None, "uk;q=0, ru;q=bad", "en"),  # refused, unreadable
        ("xx", None, "en"),
        (None, None, "en"),
    ],
)
def test_the_language_is_the_choice_then_accept_language_then_english(
    chosen: str | None, accepted: str | None, language: str
) -> None:
    assert i18n.choose(chosen, accepted) == language


def test_names_in_cyrillic_get_a_latin_transliteration() -> None:
    assert transliterated("Григорій Лисенко") == "Hryhorii Lysenko"  # Ukrainian: KMU 2010
    assert transliterated("Григорий Лысенко") == "Grigorii Lysenko"  # Russian: ICAO
    assert transliterated("John Smith") is None
