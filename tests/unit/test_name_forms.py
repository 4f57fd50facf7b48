"""Name forms: every spelling of one person's name meets its others, and no one else's."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.matching.back_transliteration import (
    MAX_CANDIDATES,
    cyrillic_candidates,
    ranked_candidates,
)
from parley.matching.forms import NameForms, derive_forms, name_forms, name_keys
from parley.matching.normalisation import normalise
from parley.matching.romanisation import (
    CONVERTERS,
    RUSSIAN_SCHEMES,
    SCHEMES,
    romanise,
    romanise_lower,
)
from parley.matching.skeleton import skeleton
from parley.matching.transliteration import (
    to_latin_bgn_pcgn,
    to_latin_gost52535,
    to_latin_icao,
    to_latin_iso9b,
    to_latin_kmu2010,
    to_latin_mvd310,
    to_latin_mvd782,
)
from parley.matching.words import APOSTROPHES
from parley.synthetic.names import name_book


def _given(text: str) -> NameForms:
    return name_forms(text, "given")


def _family(text: str) -> NameForms:
    return name_forms(text, "family")


def _shared(forms: list[NameForms]) -> frozenset[str]:
    """The skeletons every one of ``forms`` has."""
    common = forms[0].skeletons
    for other in forms[1:]:
        common &= other.skeletons
    return common


# --- The letter pitfalls, one by one -------------------------------------------------------


def test_lysenko_in_either_cyrillic_and_either_latin_spelling_shares_one_skeleton() -> None:
    spellings = ["Лисенко", "Лысенко", "Lysenko", "Lisenko", "ЛИСЕНКО", "LYSENKO"]
    assert {skeleton(s) for s in spellings} == {"lisenko"}
    assert _shared([_family(s) for s in spellings]) == {"lisenko"}


def test_hryhorii_and_grigorii_are_one_name_in_every_script() -> None:
    spellings = ["Григорій", "Григорий", "Hryhorii", "Grigorii", "Grigoriy", "Hryhoriy"]
    assert {skeleton(s) for s in spellings} == {"hrihori"}
    assert _shared([_given(s) for s in spellings])


def test_oleksii_and_aleksei_meet_through_the_equivalents_table() -> None:
    spellings = ["Олексій", "Алексей", "Oleksii", "Aleksei", "Oleksiy", "Alexey"]
    # The letters alone do not make them one name ...
    assert skeleton("Олексій") != skeleton("Алексей")
    # ... the dictionary does: every spelling carries both forms.
    forms = [_given(s) for s in spellings]
    assert _shared(forms) >= {"oleksi", "aleksei"}
    assert all((f.uk, f.ru) == ("олексій", "алексей") for f in forms)
    assert all(f.in_dictionary for f in forms)


def test_yevhen_and_evgenii_meet_through_the_equivalents_table() -> None:
    forms = [_given(s) for s in ["Євген", "Евгений", "Yevhen", "Evgenii", "Yevgeniy"]]
    assert all((f.uk, f.ru) == ("євген", "евгений") for f in forms)
    assert _shared(forms) >= {"evhen", "evheni"}


def test_short_i_composed_or_decomposed_is_one_letter() -> None:
    decomposed = unicodedata.normalize("NFD", "Сергій")
    assert decomposed != "Сергій"
    assert normalise(decomposed) == "сергій"
    assert _given(decomposed) == _given("Сергій")
    assert _shared([_given(s) for s in ["Сергій", "Serhii", "Serhiy", "Сергей", "Sergey"]])


def test_yi_composed_or_decomposed_and_every_rendering_of_it_fold_together() -> None:
    decomposed = unicodedata.normalize("NFD", "Заїка")
    assert normalise(decomposed) == "заїка"
    spellings = [decomposed, "Заїка", "Заика", "Zaika", "Zayika"]
    assert _shared([_family(s) for s in spellings]) == {"zaika"}


def test_ukrainian_ye_and_russian_e_fold_together() -> None:
    spellings = ["Гордієнко", "Гордиенко", "Hordiienko", "Gordienko", "Gordiyenko"]
    assert _shared([_family(s) for s in spellings]) == {"hordenko"}
    assert _shared([_family(s) for s in ["Єрмак", "Ермак", "Yermak", "Ermak"]]) == {"ermak"}


def test_ukrainian_g_with_upturn_is_a_g_and_also_an_h() -> None:
    forms = [_family(s) for s in ["Ґудзь", "Гудзь", "Gudz", "Hudz"]]
    assert _shared(forms) == {"hudz"}
    assert _family("Ґудзь").ru == "гудзь"


def test_yo_is_written_e_by_passports_and_yo_or_o_by_others() -> None:
    forms = [_family(s) for s in ["Королёв", "Королев", "Korolev", "Korolyov", "Корольов"]]
    assert _shared(forms)
    assert _family("Королёв").uk == "корольов"
    assert {"korolev", "korolov"} <= _family("Королёв").skeletons


def test_the_soft_sign_vanishes_from_the_skeleton() -> None:
    spellings = ["Кузьменко", "Кузменко", "Kuzmenko", "Kuz'menko", "KUZ’MENKO"]
    assert {skeleton(s) for s in spellings} == {"kuzmenko"}


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "‘", "`"])
def test_every_apostrophe_style_gives_one_original(apostrophe: str) -> None:
    forms = _family(f"Лук{apostrophe}яненко")
    assert forms.original == "лук'яненко"
    assert forms.ru == "лукьяненко"
    assert forms.skeletons == {"lukianenko"}


def test_the_apostrophe_and_the_soft_sign_spellings_share_a_skeleton() -> None:
    spellings = ["Лук'яненко", "Лукьяненко", "Lukianenko", "Lukyanenko", "Luk'yanenko"]
    assert _shared([_family(s) for s in spellings]) == {"lukianenko"}


# --- Look-alike letters ------------------------------------------------------------------


def test_a_latin_i_typed_in_a_cyrillic_name_is_repaired() -> None:
    forms = _given("Iван")  # Latin capital I
    assert forms.original == "іван"
    assert (forms.uk, forms.ru) == ("іван", "иван")


def test_a_latin_k_typed_in_a_cyrillic_surname_is_repaired() -> None:
    assert _family("Kовальчук").original == "ковальчук"
    assert _family("KOBAЛЬЧУК").original == "ковальчук"  # Latin K, O, B


def test_a_cyrillic_letter_typed_in_a_latin_name_is_repaired() -> None:
    assert normalise("Oleksаndr") == "oleksandr"  # Cyrillic а
    assert _given("Oleksаndr").uk == "олександр"


def test_a_word_all_in_one_script_is_never_touched() -> None:
    assert normalise("Сорока") == "сорока"
    assert normalise("Copoka") == "copoka"


# --- Female surnames ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uk", "ru"),
    [
        ("Ковальська", "Ковальская"),
        ("Іванова", "Иванова"),
        ("Нікітіна", "Никитина"),
        ("Заболотна", "Заболотная"),
    ],
)
def test_female_surnames_keep_their_female_form_in_the_other_language(uk: str, ru: str) -> None:
    from_uk, from_ru = name_forms(uk, "family", "uk"), name_forms(ru, "family", "ru")
    assert (from_uk.uk, from_uk.ru) == (uk.lower(), ru.lower())
    assert (from_ru.uk, from_ru.ru) == (uk.lower(), ru.lower())
    assert from_uk.skeletons & from_ru.skeletons


def test_a_female_surname_in_latin_is_read_back_in_its_female_forms() -> None:
    for latin in ("Kovalska", "Kovalskaia", "Kovalskaya"):
        forms = _family(latin)
        assert (forms.uk, forms.ru) == ("ковальська", "ковальская")


# --- Different people stay apart ---------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other", "part"),
    [
        ("Коваленко", "Коваль", "family"),
        ("Іваненко", "Іванов", "family"),
        ("Мельник", "Мельниченко", "family"),
        ("Олена", "Ольга", "given"),
        ("Олександр", "Олексій", "given"),
        ("Юрій", "Юлія", "given"),
        ("Миколайович", "Михайлович", "patronymic"),
    ],
)
def test_different_names_share_no_skeleton(one: str, other: str, part: str) -> None:
    assert part in ("given", "family", "patronymic")
    first = name_forms(one, part)  # type: ignore[arg-type]
    second = name_forms(other, part)  # type: ignore[arg-type]
    assert not first.skeletons & second.skeletons


def test_different_surnames_of_the_generator_never_share_a_skeleton() -> None:
    owners: dict[str, str] = {}
    for nationality in ("UA", "RU"):
        for surname in name_book(nationality).surnames:
            for key in _family(surname.male.native).skeletons:
                assert owners.setdefault(key, surname.male.native) == surname.male.native


# --- Latin schemes -----------------------------------------------------------------------

# Reference renderings: KMU 2010 from resolution 55's annex; the Russian schemes from the
# test cases the iuliia project (nalgeon/iuliia) checks against each standard.
SCHEME_REFERENCES: list[tuple[Callable[[str], str], str, str]] = [
    (to_latin_kmu2010, "Григорій Ющенко", "Hryhorii Yushchenko"),  # KMU 2010
    (to_latin_kmu2010, "Знам'янка Згурівка", "Znamianka Zghurivka"),  # KMU 2010
    (to_latin_icao, "Юлия Щеглова", "Iuliia Shcheglova"),  # ICAO Doc 9303
    (to_latin_icao, "Ян Разъездной", "Ian Razieezdnoi"),  # ICAO Doc 9303
    (to_latin_gost52535, "Юлия Щеглова", "Iuliia Shcheglova"),  # GOST R 52535.1-2006
    (to_latin_gost52535, "Царёв", "Tcarev"),  # GOST R 52535.1-2006
    (to_latin_mvd310, "Гайа Васильева", "Gaya Vasilyeva"),  # MVD 310 (1997)
    (to_latin_mvd310, "Андрей Видный", "Andrey Vidnyy"),  # MVD 310 (1997)
    (to_latin_mvd782, "Артём Краевой", "Artyem Krayevoy"),  # MVD 782 (2000)
    (to_latin_mvd782, "Оксана Клеёнкина", "Oksana Kleyonkina"),  # MVD 782 (2000)
    (to_latin_mvd782, "Игорь Ильин", "Igor' Ilyin"),  # MVD 782 (2000)
    (to_latin_bgn_pcgn, "Елизово Чапаевск", "Yelizovo Chapayevsk"),  # BGN/PCGN
    (to_latin_bgn_pcgn, "Юрьев объезд", "Yur'yev ob\"yezd"),  # BGN/PCGN, ASCII signs
    (to_latin_iso9b, "Щукин Царёв", "Shhukin Czaryov"),  # ISO 9 / GOST 7.79 system B
    (to_latin_iso9b, "Цыганов Эрдман", "Cy`ganov E`rdman"),  # ISO 9 / GOST 7.79 system B
]


@pytest.mark.parametrize(("romanise", "cyrillic", "latin"), SCHEME_REFERENCES)
def test_each_scheme_spells_its_reference_names_as_the_standard_does(
    romanise: Callable[[str], str], cyrillic: str, latin: str
) -> None:
    assert romanise(cyrillic) == latin


def test_a_russian_name_carries_every_russian_scheme_and_the_ukrainian_one() -> None:
    forms = name_forms("Юлия", "given", "ru")
    assert forms.uk == "юлія"
    assert forms.latin == {"yuliia", "iuliia", "yuliya"}  # KMU; ICAO, GOST; MVD, BGN, ISO


def test_every_romanisation_of_a_listed_surname_folds_to_one_skeleton() -> None:
    for nationality in ("UA", "RU"):
        for surname in name_book(nationality).surnames:
            native = surname.male.native
            if "ё" in native.lower() or "ё" in surname.male.foreign.lower():
                continue  # ICAO spells ё e, ISO 9 yo: two skeletons, both kept
            ru = native if nationality == "RU" else surname.male.foreign
            spellings = [CONVERTERS[scheme](ru) for scheme in RUSSIAN_SCHEMES]
            assert {skeleton(s) for s in spellings} == {skeleton(ru)}, ru


# --- Back-transliteration ----------------------------------------------------------------


def test_lysenko_reads_back_as_both_cyrillic_spellings() -> None:
    candidates = cyrillic_candidates("Lysenko")
    assert {"лисенко", "лысенко"} <= candidates
    assert ranked_candidates("Lysenko", "uk")[0][0] == "лисенко"
    assert ranked_candidates("Lysenko", "ru")[0][0] == "лысенко"


def test_hryhorii_reads_back_as_the_ukrainian_name() -> None:
    assert "григорій" in cyrillic_candidates("Hryhorii")
    assert ranked_candidates("Hryhorii", "uk")[0][0] == "григорій"


def test_kmu_apostrophes_and_soft_signs_are_restored_in_the_readings() -> None:
    assert ranked_candidates("Znamianka", "uk")[0][0] == "знам'янка"
    assert "василь" in cyrillic_candidates("Vasyl")


def test_cyrillic_text_is_its_own_only_candidate() -> None:
    assert cyrillic_candidates("Лисенко") == {"лисенко"}


def test_latin_input_fills_both_cyrillic_forms() -> None:
    assert (_family("Lysenko").uk, _family("Lysenko").ru) == ("лисенко", "лысенко")
    assert (_given("Hryhorii").uk, _given("Hryhorii").ru) == ("григорій", "григорий")
    assert (_given("OLEKSANDR").uk, _given("OLEKSANDR").ru) == ("олександр", "александр")
    patronymic = name_forms("Mykolaiovych", "patronymic")
    assert (patronymic.uk, patronymic.ru) == ("миколайович", "николаевич")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz' -", min_size=1, max_size=30))
def test_back_transliteration_is_bounded(latin: str) -> None:
    assert len(cyrillic_candidates(latin)) <= MAX_CANDIDATES


# --- Persons and keys --------------------------------------------------------------------


def test_one_person_in_three_spellings_gets_the_same_forms() -> None:
    ukrainian = derive_forms("Лисенко", "Олексій", "Миколайович", "uk")
    russian = derive_forms("Лысенко", "Алексей", "Николаевич", "ru")
    latin = derive_forms("LYSENKO", "OLEKSII", None, "en")
    for person in (russian, latin):
        assert person.family.skeletons == ukrainian.family.skeletons
        assert person.given.skeletons == ukrainian.given.skeletons
    assert russian.patronymic is not None
    assert ukrainian.patronymic is not None
    assert russian.patronymic.uk == ukrainian.patronymic.uk == "миколайович"
    assert name_keys(ukrainian) == name_keys(russian) == name_keys(latin)


def test_a_missing_or_blank_patronymic_is_none() -> None:
    assert derive_forms("Лисенко", "Олена", None, "uk").patronymic is None
    assert derive_forms("Лисенко", "Олена", "  ", "uk").patronymic is None


def test_the_language_of_an_undetermined_record_comes_from_its_names() -> None:
    assert derive_forms("Мельник", "Сергей", None, "und").lang == "ru"
    assert derive_forms("Мельник", "Сергій", None, "und").lang == "uk"
    assert derive_forms("Мельник", "Олег", "Петрович", "und").lang == "und"
    assert derive_forms("Melnyk", "Oleh", None, "en").lang == "en"


def test_an_unknown_language_or_a_name_without_letters_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        derive_forms("Лисенко", "Олена", None, "pl")
    with pytest.raises(ValueError, match="letter"):
        derive_forms("--", "Олена", None, "uk")


def test_name_keys_pair_the_family_skeleton_with_each_given_initial() -> None:
    person = derive_forms("Лисенко", "Олексій", None, "uk")
    assert name_keys(person, include_swapped=False) == {"lisenko|o", "lisenko|a"}
    assert name_keys(person) == {"lisenko|o", "lisenko|a", "oleksi|l", "aleksei|l"}


def test_a_record_with_family_and_given_swapped_shares_a_key_with_the_right_one() -> None:
    right = derive_forms("Лисенко", "Олексій", None, "uk")
    swapped = derive_forms("Oleksii", "Lysenko", None, "en")
    assert name_keys(right, include_swapped=False) & name_keys(swapped)
    assert right.swapped().family == right.given


def test_a_double_surname_keeps_the_skeleton_of_each_part() -> None:
    forms = _family("Лебедєва-Петрова")
    assert {"lebedevapetrova", "lebedeva", "petrova"} <= forms.skeletons


# --- Properties --------------------------------------------------------------------------

NAME_TEXT = st.text(
    alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъёAБВГДЕЁabcdehiklmnoprstuvyzIKXY'’ʼ -",
    min_size=1,
    max_size=25,
).filter(lambda text: any(ch.isalpha() and ch not in APOSTROPHES for ch in text))
PARTS = st.sampled_from(["given", "family", "patronymic"])
LANGUAGES = st.sampled_from(["uk", "ru", "und"])


@given(NAME_TEXT, PARTS, LANGUAGES)
def test_the_skeleton_of_every_latin_form_is_among_the_skeletons(
    text: str, part: str, lang: str
) -> None:
    forms = name_forms(text, part, lang)  # type: ignore[arg-type]
    for latin in forms.latin:
        assert skeleton(latin) in forms.skeletons
    assert skeleton(forms.original) in forms.skeletons


@given(NAME_TEXT, PARTS, LANGUAGES)
def test_a_name_with_a_letter_never_has_an_empty_skeleton(text: str, part: str, lang: str) -> None:
    forms = name_forms(text, part, lang)  # type: ignore[arg-type]
    assert skeleton(text)
    assert forms.skeletons
    assert all(forms.skeletons)
    assert forms.uk
    assert forms.ru


@given(NAME_TEXT)
def test_normalising_twice_changes_nothing(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@given(
    st.text(alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъё'’ʼ -xq", max_size=20),
    st.sampled_from(sorted(SCHEMES)),
)
def test_the_fast_lower_case_romaniser_agrees_with_the_reference_one(
    text: str, scheme: str
) -> None:
    assert romanise_lower(text, scheme) == romanise(text, scheme)
