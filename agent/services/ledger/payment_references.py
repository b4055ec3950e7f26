"""Payment references a client quotes when paying: Swedish OCR and ISO 11649 RF references.

Both derive from the invoice alone (its id or number), so nothing is stored and the bank
statement matcher recognises them the same way reminders state them.

- OCR (Bankgirot "hard" check): the invoice id as six or more digits, a length digit (the
  total length modulo 10) and a Luhn (modulus 10) check digit: id 42 → ``00004283``.
- RF (ISO 11649): ``RF`` + two check digits (ISO 7064 mod 97-10) + the invoice number's
  letters and digits (up to 21; the OCR digits when the number has none or too many).
"""

from __future__ import annotations

import re

OCR_BASE_DIGITS = 6
RF_MAX_REFERENCE = 21


def luhn_digit(digits: str) -> str:
    """The check digit that makes ``digits + check`` pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def is_valid_ocr(text: str) -> bool:
    digits = re.sub(r"\s", "", text)
    return 2 <= len(digits) <= 25 and digits.isdigit() and luhn_digit(digits[:-1]) == digits[-1]


def ocr_for(invoice_id: int) -> str:
    base = f"{invoice_id:0{OCR_BASE_DIGITS}d}"
    with_length = base + str((len(base) + 2) % 10)
    return with_length + luhn_digit(with_length)


def _mod97(text: str) -> int:
    return int("".join(str(int(char, 36)) for char in text)) % 97


def rf_for(invoice_id: int, number: str) -> str:
    reference = re.sub(r"[^A-Z0-9]", "", number.upper())
    if not reference or len(reference) > RF_MAX_REFERENCE:
        reference = ocr_for(invoice_id)
    check = 98 - _mod97(reference + "RF00")
    return f"RF{check:02d}{reference}"


def is_valid_rf(text: str) -> bool:
    compact = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"RF\d{2}[A-Z0-9]{1,21}", compact):
        return False
    return _mod97(compact[4:] + compact[:4]) == 1


def grouped(reference: str) -> str:
    """``RF18 5390 0754 7034``: groups of four, as printed on a payment slip."""
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def for_invoice(invoice_id: int, number: str) -> dict[str, str]:
    return {"ocr": ocr_for(invoice_id), "rf": rf_for(invoice_id, number)}
