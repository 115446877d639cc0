"""A `Mail` as a MIME message: `multipart/alternative`, plain text first, then HTML.

Built with the standard library's `compat32` MIME classes: the modern `EmailMessage` parses
every header it is given through its header registry and re-folds it on output, which made
building a message cost more than rendering and writing it together. These headers are made
here, from values the store controls, so there is nothing to parse.
"""

from __future__ import annotations

from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formatdate, make_msgid
from uuid import uuid4

from bookstore.application.notifications import Mail

_UTF8 = Charset("utf-8")
_UTF8.header_encoding = QP
_UTF8.body_encoding = QP


def message_of(mail: Mail, sender: str) -> Message:
    # A boundary of our own: the generator would otherwise search the body for a free one.
    message = MIMEMultipart("alternative", boundary=f"=_{uuid4().hex}")
    message["From"] = _header(sender)
    message["To"] = _header(mail.to)
    message["Subject"] = _header(mail.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.attach(_text(mail.text, "plain"))
    message.attach(_text(mail.html, "html"))
    return message


def _text(body: str, subtype: str) -> Message:
    """UTF-8, quoted-printable: a reader of the `.eml` file sees the text."""
    part = MIMENonMultipart("text", subtype)
    part.set_payload(body, _UTF8)
    return part


def _header(value: str) -> str:
    """ASCII as it is; anything else encoded (RFC 2047) so the message stays 7-bit."""
    return value if value.isascii() else Header(value, _UTF8).encode()
