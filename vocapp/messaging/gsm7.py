"""The GSM-7 alphabet (3GPP TS 23.038): what fits in a 160-character SMS.

A single character outside it (a typographic apostrophe pasted from a word processor, a
non-breaking space before a French colon, "ê") switches the whole message to UCS-2: 70
characters per segment instead of 160, so two or three times the cost. Every SMS body goes
through ``to_gsm7`` before it is measured and sent.
"""

import unicodedata

# The default alphabet, without the escape character (0x1B) that introduces the extension table.
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as escape + character: each one costs two septets.
EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SEGMENT_SEPTETS = 160
MULTIPART_SEGMENT_SEPTETS = 153  # the user data header takes the rest
SINGLE_SEGMENT_UCS2 = 70
MULTIPART_SEGMENT_UCS2 = 67

# Characters whose decomposition does not lead to a GSM-7 character, or leads to a wrong one.
REPLACEMENTS = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u201b": "'",  # ‛
    "\u2032": "'",  # ′
    "\u2039": "'",  # ‹
    "\u203a": "'",  # ›
    "`": "'",
    "\u00b4": "'",  # ´
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u201f": '"',  # ‟
    "\u2033": '"',  # ″
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2022": "-",  # bullet
    "\u00b7": ".",  # middle dot
    "\u2026": "...",  # ellipsis
    "\u00a0": " ",  # non-breaking space
    "\u202f": " ",  # narrow non-breaking space (French typography)
    "\u2007": " ",  # figure space
    "\t": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\u2060": "",  # word joiner
    "\ufeff": "",  # byte order mark
    "\u0153": "oe",  # œ
    "\u0152": "OE",  # Œ
    "\u00e7": "c",  # ç: only the capital Ç is in the alphabet
    "\u00d0": "D",  # Ð
    "\u00f0": "d",  # ð
    "\u0142": "l",  # ł
    "\u0141": "L",  # Ł
    "\u00fe": "th",  # þ
    "\u00de": "Th",  # Þ
    "\u00d7": "x",  # ×
}


def is_gsm7(text: str) -> bool:
    return all(char in BASIC or char in EXTENSION for char in text)


def to_gsm7(text: str) -> str:
    """The text in GSM-7: typographic punctuation replaced, accents the alphabet lacks stripped
    (ê→e, ç→c), anything else reduced to its decomposed base letters or "?"."""
    return "".join(_gsm7_char(char) for char in text)


def _gsm7_char(char: str) -> str:
    if char in BASIC or char in EXTENSION:
        return char
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    if unicodedata.category(char).startswith("Z"):
        return " "  # the other Unicode spaces
    base = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part) and (part in BASIC or part in EXTENSION)
    )
    return base or "?"


def segments(text: str) -> int:
    """How many SMS segments the text takes: GSM-7 when it can be, else UCS-2 (reported only: we
    never send UCS-2)."""
    if is_gsm7(text):
        units = [2 if char in EXTENSION else 1 for char in text]
        return _count_segments(units, SINGLE_SEGMENT_SEPTETS, MULTIPART_SEGMENT_SEPTETS)
    units = [len(char.encode("utf-16-le")) // 2 for char in text]
    return _count_segments(units, SINGLE_SEGMENT_UCS2, MULTIPART_SEGMENT_UCS2)


def _count_segments(units: list[int], single: int, per_part: int) -> int:
    """Fill parts greedily: an escape sequence or a surrogate pair is never split across two
    parts, so a part may end one unit short."""
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


def septets(text: str) -> int:
    """Length of a GSM-7 text in septets (extension characters count two)."""
    return sum(2 if char in EXTENSION else 1 for char in text)
