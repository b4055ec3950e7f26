"""Payment details as lines a reminder states word for word: accounts and references."""

from __future__ import annotations

from agent.drafting.facts import DraftFacts

_WORDS = {
    "en": ("Payment details:", "Payee", "Reference for invoice {number}"),
    "sv": ("Betalningsuppgifter:", "Mottagare", "OCR/referens för faktura {number}"),
    "nl": ("Betaalgegevens:", "Begunstigde", "Betalingskenmerk voor factuur {number}"),
    "bg": ("Данни за плащане:", "Получател", "Основание за плащане по фактура {number}"),
}


def payment_block(facts: DraftFacts) -> str:
    """Empty without payment facts; otherwise the payee's accounts and each reference."""
    payment = facts.payment
    if payment is None or not payment.accounts:
        return ""
    header, payee, reference = _WORDS[facts.language]
    lines = [header]
    if payment.payee:
        lines.append(f"{payee}: {payment.payee}")
    if payment.iban:
        lines.append(f"IBAN: {payment.iban}" + (f", BIC: {payment.bic}" if payment.bic else ""))
    if payment.bankgiro:
        lines.append(f"Bankgiro: {payment.bankgiro}")
    if payment.plusgiro:
        lines.append(f"Plusgiro: {payment.plusgiro}")
    lines += [
        f"{reference.format(number=number)}: {ref}" for number, ref in payment.references.items()
    ]
    return "\n".join(lines)
