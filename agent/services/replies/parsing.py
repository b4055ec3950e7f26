"""Reading a raw RFC 5322 message: headers, decoded text, HTML reduced to text, quotes stripped.

Nothing here renders or executes what a client sent: HTML is parsed only to pull its text out,
and the result is plain text that the pages escape like any other data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from agent.errors import ReplyRejected, ReplyTooLarge

MAX_MESSAGE_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,298}>")


@dataclass(frozen=True)
class ParsedReply:
    """What paytrack keeps of one inbound message."""

    message_key: str
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_addr: str
    from_name: str | None
    subject: str
    text: str
    quoted_text: str
    html_only: bool
    size_bytes: int
    sent_at: datetime
    automatic: bool


def parse(raw: bytes, *, received_at: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> ParsedReply:
    """Parse one message; raises ``ReplyTooLarge`` or ``ReplyRejected`` naming what is wrong."""
    if len(raw) > max_bytes:
        raise ReplyTooLarge(
            f"message is {len(raw)} bytes; the limit is {max_bytes}", field="message"
        )
    if not raw.strip():
        raise ReplyRejected("message is empty", field="message")
    try:
        return _parse(raw, received_at)
    except (MessageError, ValueError, LookupError, IndexError, TypeError, AttributeError) as exc:
        # The stdlib parser trips over some malformed headers; that is bad input, not a bug.
        raise ReplyRejected(
            f"message cannot be read: {type(exc).__name__}", field="message"
        ) from exc


def _parse(raw: bytes, received_at: datetime) -> ParsedReply:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    name, address = parseaddr(str(message.get("From", "")))
    if "@" not in address:
        raise ReplyRejected("message has no From address", field="from")
    body, html_only = _body_text(message)
    fresh, quoted = strip_quoted(body)
    message_id = _first_id(message.get("Message-ID"))
    digest = hashlib.sha256(raw).hexdigest()
    return ParsedReply(
        message_key=message_id or f"sha256:{digest}",
        message_id=message_id,
        in_reply_to=_first_id(message.get("In-Reply-To")),
        references=_ids(message.get("References")),
        from_addr=address.strip().lower()[:320],
        from_name=(name.strip() or None) if name else None,
        subject=_clean(str(message.get("Subject", "")))[:500],
        text=fresh[:MAX_TEXT_CHARS],
        quoted_text=quoted[:MAX_TEXT_CHARS],
        html_only=html_only,
        size_bytes=len(raw),
        sent_at=_sent_at(message, received_at),
        automatic=_is_automatic(message),
    )


def _ids(header: object) -> list[str]:
    return _MESSAGE_ID.findall(str(header or ""))[:50]


def _first_id(header: object) -> str | None:
    found = _ids(header)
    return found[0] if found else None


def _sent_at(message: Message, received_at: datetime) -> datetime:
    """The Date header; without one (or dated in the future) the moment it arrived."""
    try:
        moment = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return received_at
    if moment is None:
        return received_at
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return min(moment, received_at)


def _is_automatic(message: Message) -> bool:
    """RFC 3834 and the common vendor headers that mark an out-of-office or a bounce."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        submitted not in ("", "no")
        or precedence in ("auto_reply", "bulk", "junk")
        or any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
    )


def _body_text(message: EmailMessage | Message) -> tuple[str, bool]:
    """The text part when there is one (decoded in its charset), else the HTML part as text."""
    plain: str | None = None
    html: str | None = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _decoded(part)
        elif kind == "text/html" and html is None:
            html = _decoded(part)
    if plain is not None and plain.strip():
        return _clean(plain), False
    if html is not None:
        return _clean(html_to_text(html)), True
    return "", False


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        return content if isinstance(content, str) else ""
    except (LookupError, UnicodeError, KeyError, AttributeError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return _CONTROL.sub("", text).strip()


class _TextExtractor(HTMLParser):
    """Collects visible text; block tags become line breaks, blockquotes become "> " lines."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "hr"})
    _HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self._hidden = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag == "blockquote":
            self._quote_depth += 1
            self._newline()
        elif tag in self._BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
            self._newline()
        elif tag in self._BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        text = re.sub(r"\s+", " ", data)
        if not text.strip() and not self.lines[-1]:
            return
        if not self.lines[-1] and self._quote_depth:
            self.lines[-1] = "> " * self._quote_depth
        self.lines[-1] += text

    def _newline(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML body; nothing is fetched, run or kept as markup."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "\n".join(line.strip() for line in extractor.lines).strip()


# Lines that start the quoted history in the clients' languages and the common mail programs.
_ATTRIBUTION = re.compile(
    r"^\s*("
    r"On\s.+\swrote:"
    r"|.+\sskrev(?:\s.*)?:"
    r"|.+\sschreef(?:\s.*)?:"
    r"|.+\sнаписа(?:\s.*)?:"
    r"|.+\sschrieb(?:\s.*)?:"
    r"|-{2,}\s*(Original Message|Ursprungligt meddelande|Oorspronkelijk bericht|"
    r"Оригинално съобщение|Forwarded message)\s*-{2,}"
    r"|_{10,}"
    r")\s*$",
    re.IGNORECASE,
)
# A mail program that wraps "On …, Name <address>" leaves the verb alone on the next line.
_WRAPPED_VERB = re.compile(r"^\s*\S*\s*(wrote|skrev|schreef|написа|schrieb)\b[^:]*:\s*$", re.I)
_OUTLOOK_HEADER = re.compile(r"^\s*\**(From|Från|Van|От|Von)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\**(Sent|Skickat|Verzonden|Изпратено|Gesendet|Date|Datum|To|Till|Aan|До)\s*:",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> tuple[str, str]:
    """Split a body into what the sender wrote now and the quoted history below it."""
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        wrapped = _WRAPPED_VERB.match(following) and _ATTRIBUTION.match(f"{line} {following}")
        if _ATTRIBUTION.match(line) or (not line.lstrip().startswith(">") and wrapped):
            cut = index
            break
        if _OUTLOOK_HEADER.match(line) and any(
            _OUTLOOK_NEXT.match(following) for following in lines[index + 1 : index + 4]
        ):
            cut = index
            break
    fresh = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    quoted = [line for line in lines[:cut] if line.lstrip().startswith(">")] + lines[cut:]
    return _drop_signature("\n".join(fresh)).strip(), "\n".join(quoted).strip()


def _drop_signature(text: str) -> str:
    head, separator, _signature = text.partition("\n-- \n")
    return head if separator else text
