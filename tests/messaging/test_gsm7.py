import pytest

from vocapp.messaging.gsm7 import is_gsm7, segments, septets, to_gsm7


def test_it_keeps_gsm7_text_as_it_is():
    text = "Hello @ £5, è é ù ì ò à Ç É Ä Ö Ñ Ü ä ö ñ ü ß Æ æ Ø ø Å å {curly} [x] ~ | ^ € \\"
    assert is_gsm7(text)
    assert to_gsm7(text) == text


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("l\u2019avis", "l'avis"),  # typographic apostrophe
        ("\u2018quoted\u2019", "'quoted'"),
        ("\u201cquoted\u201d", '"quoted"'),
        ("\u00ab\u00a0Merci\u00a0\u00bb", '" Merci "'),  # French quotes and no-break spaces
        ("Prix\u202f: 10\u00a0\u20ac", "Prix : 10 \u20ac"),  # narrow no-break space
        ("0\u201310 \u2014 fin", "0-10 - fin"),  # en and em dashes
        ("attendez\u2026", "attendez..."),
        ("a\u200bb\ufeff", "ab"),  # invisible characters vanish
        ("a\tb", "a b"),
    ],
)
def test_it_replaces_typographic_punctuation(typed, sent):
    assert to_gsm7(typed) == sent
    assert is_gsm7(to_gsm7(typed))


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("fête", "fete"),
        ("Ça, ça", "Ça, ca"),  # only the capital Ç is in the alphabet
        ("château", "chateau"),
        ("île", "ile"),
        ("hôtel", "hotel"),
        ("sûr", "sur"),
        ("cœur Œuvre", "coeur OEuvre"),
        ("Noël naïf", "Noel naif"),
        ("À Être", "A Etre"),
        ("crème brûlée à l'été", "crème brulée à l'été"),  # è é à are GSM-7: kept
    ],
)
def test_it_strips_french_accents_missing_from_gsm7(typed, sent):
    assert to_gsm7(typed) == sent


def test_it_falls_back_to_the_base_letter_or_a_question_mark():
    assert to_gsm7("Łódź") == "Lodz"
    assert to_gsm7("ﬁne") == "fine"  # ligature decomposed
    assert to_gsm7("I \u2764\ufe0f it \U0001f600") == "I ?? it ?"
    assert to_gsm7("中") == "?"


def test_it_counts_one_segment_up_to_160_septets():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2  # 153 per part once split
    assert segments("a" * 307) == 3


def test_it_counts_extension_characters_twice():
    assert septets("€") == 2
    assert segments("€" * 80) == 1
    assert segments("€" * 80 + "a") == 2
    assert segments("{" * 81) == 2


def test_it_never_splits_an_escape_sequence_across_parts():
    # 152 septets then "€" (2): the escape would straddle parts 1 and 2, so it starts part 2.
    text = "a" * 152 + "€" + "a" * 152
    assert septets(text) == 306
    assert segments(text) == 3


def test_it_counts_non_gsm_text_as_ucs2():
    assert not is_gsm7("fête")
    assert segments("ê" * 70) == 1
    assert segments("ê" * 71) == 2
    assert segments("ê" * 134) == 2
    assert segments("ê" * 135) == 3
    # One typographic apostrophe turns a 100-character message into two UCS-2 segments.
    assert segments("a" * 99 + "\u2019") == 2
    assert segments(to_gsm7("a" * 99 + "\u2019")) == 1
