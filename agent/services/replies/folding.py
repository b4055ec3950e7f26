"""What the offline reader looks at: the reply without its signature, folded to one spelling.

Clients write "betald", "betald" without the ring, "платена" and "platena"; folding lowercases,
drops diacritics, writes Cyrillic in Latin letters (the Bulgarian streamlined system, the one
people use when they type Bulgarian on a Latin keyboard) and writes every digit as 0, so that
one learnt n-gram covers all of them.
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a",
    "ь": "y", "ю": "yu", "я": "ya", "ѝ": "i", "ё": "yo", "ы": "y", "э": "e",
}  # fmt: skip
_TRANSLITERATE = str.maketrans(_CYRILLIC)
_DIGIT = re.compile(r"\d")
_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
# A line that ends what the client wrote: a sign-off, a phone footer or a legal disclaimer.
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:best|kind|warm|many)?\s*(?:regards|wishes)|yours (?:sincerely|faithfully)"
    r"|sent from my \w+"
    r"|med vänlig(?:a)? hälsning(?:ar)?|vänliga hälsningar|hälsningar|mvh|tack på förhand"
    r"|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groet(?:en|jes)?|mvg|gr"
    r"|поздрави|с уважение|хубав ден|pozdravi|s uvazhenie)\s*[,.!]?(?:\s*/.*)?$"
    r"|^\s*(?:this (?:e-?mail|message)|detta (?:e-?post|mejl|meddelande)|dit bericht"
    r"|deze e-?mail|този (?:имейл|e-mail)|tozi imeil)\b.{0,80}(?:confidential|konfidentiell"
    r"|vertrouwelijk|поверителна|intended)",
    re.IGNORECASE | re.MULTILINE,
)


def written_part(text: str) -> str:
    """The reply up to its sign-off or disclaimer (the whole reply when it has neither)."""
    match = _SIGN_OFF.search(text)
    if match is None or not text[: match.start()].strip():
        return text
    return text[: match.start()].rstrip()


def fold(text: str) -> str:
    """Lowercase, without diacritics, in Latin letters, digits as 0, addresses as one token."""
    lowered = _ADDRESS.sub(" address ", text.lower()).translate(_TRANSLITERATE)
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(char)
    )
    return _DIGIT.sub("0", plain)
