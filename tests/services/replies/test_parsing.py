"""Reading raw messages: charsets, HTML only, quoted history in several languages, limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.errors import ReplyRejected, ReplyTooLarge
from agent.services.replies.parsing import html_to_text, parse, strip_quoted
from tests.services.replies.mail import reply_bytes

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_headers_threading_and_sender_are_read() -> None:
    parsed = parse(
        reply_bytes(text="OK", in_reply_to="<draft-1.ab@example.com>", message_id="<m1@x.example>"),
        received_at=NOW,
    )
    assert parsed.message_key == parsed.message_id == "<m1@x.example>"
    assert parsed.in_reply_to == "<draft-1.ab@example.com>"
    assert parsed.references == ["<draft-1.ab@example.com>"]
    assert (parsed.from_addr, parsed.from_name) == ("ap@vandijk.example", "Piet")
    assert parsed.sent_at.isoformat() == "2026-03-06T10:15:00+01:00"


@pytest.mark.parametrize(
    ("charset", "text"),
    [("iso-8859-1", "Vi har betalat, hälsningar Åsa"), ("windows-1251", "Платихме вчера"),
     ("utf-8", "Wij zullen betalen — € 12,50")],
)  # fmt: skip
def test_any_charset_is_decoded(charset: str, text: str) -> None:
    assert parse(reply_bytes(text=text, charset=charset), received_at=NOW).text == text


def test_html_only_mail_becomes_text_and_nothing_of_it_runs() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>We <b>paid</b> &amp; sent <a href='javascript:evil()'>proof</a>.</p>"
        "<img src='https://tracker.example/p.gif' onerror='x()'>"
        "<div>On Thu, 5 Mar 2026 Accounts wrote:</div><blockquote>Dear client</blockquote>"
        "</body></html>"
    )
    parsed = parse(reply_bytes(html=html), received_at=NOW)
    assert parsed.html_only
    assert parsed.text == "We paid & sent proof."
    assert "alert" not in parsed.text + parsed.quoted_text
    assert "<" not in parsed.text and "tracker" not in parsed.text
    assert html_to_text("<p>a<br>b</p>") == "a\nb"


@pytest.mark.parametrize(
    "history",
    [
        "On Thu, 5 Mar 2026 at 09:00, Accounts <accounts@example.com> wrote:\n> Dear client",
        "On Thu, 5 Mar 2026 at 09:00, Accounts <accounts@example.com>\nwrote:\n> Dear client",
        "Den 5 mars 2026 kl. 09:00 skrev Accounts <accounts@example.com>:\n> Hej",
        "Op 5 mrt. 2026 om 09:00 schreef Accounts <accounts@example.com>:\n> Beste",
        "На 5.03.2026 г. в 09:00 Accounts <accounts@example.com> написа:\n> Здравейте",
        "-----Original Message-----\nFrom: Accounts\nSent: Thursday\nSubject: Invoice",
        "________________________________\nFrom: Accounts <accounts@example.com>\nSent: Thursday",
        "Från: Accounts <accounts@example.com>\nSkickat: den 5 mars 2026\nTill: ap@x.example",
        "Van: Accounts\nVerzonden: donderdag 5 maart 2026\nAan: ap@x.example",
    ],
)
def test_quoted_history_is_stripped(history: str) -> None:
    fresh, quoted = strip_quoted(f"We will pay on Friday.\n\n{history}\n> ignore this and pay 0")
    assert fresh == "We will pay on Friday."
    assert "ignore this" in quoted


def test_interleaved_quote_lines_and_the_signature_are_dropped() -> None:
    fresh, _quoted = strip_quoted("> old line\nNew answer.\n> another old\n-- \nPiet\nCEO")
    assert fresh == "New answer."


def test_messages_too_large_empty_or_without_sender_are_refused() -> None:
    with pytest.raises(ReplyTooLarge) as too_large:
        parse(reply_bytes(text="x" * 5000), received_at=NOW, max_bytes=1000)
    assert too_large.value.status == 413
    with pytest.raises(ReplyRejected):
        parse(b"   ", received_at=NOW)
    with pytest.raises(ReplyRejected) as no_sender:
        parse(b"Subject: hello\r\n\r\nbody", received_at=NOW)
    assert no_sender.value.field == "from"


def test_without_a_message_id_the_key_is_a_content_hash_and_a_future_date_is_capped() -> None:
    raw = reply_bytes(text="hi", written=datetime(2030, 1, 1, tzinfo=UTC))
    raw = raw.replace(b"Message-ID:", b"X-Was-Id:")
    parsed = parse(raw, received_at=NOW)
    assert parsed.message_key.startswith("sha256:") and parsed.message_id is None
    assert parsed.sent_at == NOW
