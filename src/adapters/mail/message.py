"""A `Mail` as a MIME message: `multipart/alternative`, plain text first, then HTML."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bookstore.application.notifications import Mail


def message_of(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
