"""Withholding given names from matching's dictionary, for benchmarks, and giving them back."""

from __future__ import annotations

import pytest

from parley.matching.equivalents import (
    given_name_pairs,
    ru_to_uk_given,
    uk_to_ru_given,
    uk_to_ru_patronymic,
)
from parley.matching.forms import derive_forms, name_forms
from parley.matching.holdout import clear_matching_caches, withheld_given_names


def test_a_withheld_name_has_no_equivalent_inside_and_has_it_again_after() -> None:
    assert uk_to_ru_given("Олександр") == "Александр"
    with withheld_given_names({"Олександр"}) as names:
        assert names == frozenset({"Олександр"})
        assert uk_to_ru_given("Олександр") is None
        assert ru_to_uk_given("Александр") is None
        assert ("Олександр", "Александр") not in given_name_pairs("M")
    assert uk_to_ru_given("Олександр") == "Александр"
    assert ("Олександр", "Александр") in given_name_pairs("M")


def test_the_patronymics_formed_from_a_withheld_name_go_with_it() -> None:
    assert uk_to_ru_patronymic("Миколайович") == "Николаевич"
    with withheld_given_names({"Микола"}):
        assert uk_to_ru_patronymic("Миколайович") is None
    assert uk_to_ru_patronymic("Миколайович") == "Николаевич"


def test_other_names_keep_their_equivalents() -> None:
    with withheld_given_names({"Олександр"}):
        assert uk_to_ru_given("Микола") == "Николай"


def test_forms_cached_before_entering_are_not_reused_inside() -> None:
    assert name_forms("олександр", "given", "uk").ru == "александр"  # cached now
    with withheld_given_names({"Олександр"}):
        inside = name_forms("олександр", "given", "uk")
        assert not inside.in_dictionary
        assert inside.ru != "александр"
    after = name_forms("олександр", "given", "uk")
    assert after.in_dictionary
    assert after.ru == "александр"


def test_a_persons_language_is_no_longer_read_from_a_withheld_name() -> None:
    # Сергей has no letter only Russian uses: the table alone says it is Russian.
    assert derive_forms("Бойко", "Сергей", None, "und").lang == "ru"
    with withheld_given_names({"Сергій"}):
        assert derive_forms("Бойко", "Сергей", None, "und").lang == "und"
    assert derive_forms("Бойко", "Сергей", None, "und").lang == "ru"


def test_the_table_comes_back_when_the_body_raises() -> None:
    with pytest.raises(RuntimeError), withheld_given_names({"Олександр"}):
        raise RuntimeError("the benchmark failed")
    assert uk_to_ru_given("Олександр") == "Александр"


def test_withholding_nests_and_unwinds_in_order() -> None:
    with withheld_given_names({"Олександр"}):
        with withheld_given_names({"Микола"}):
            assert uk_to_ru_given("Микола") is None
            assert uk_to_ru_given("Олександр") == "Александр"
        assert uk_to_ru_given("Микола") == "Николай"
        assert uk_to_ru_given("Олександр") is None
    assert uk_to_ru_given("Олександр") == "Александр"


def test_clearing_reaches_the_caches_of_forms() -> None:
    name_forms("лисенко", "family", "uk")
    assert name_forms.cache_info().currsize > 0
    assert clear_matching_caches() > 0
    assert name_forms.cache_info().currsize == 0
