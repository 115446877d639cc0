"""E-mail (§14): the messages rendered from Jinja2 templates, and two ways to send them (an
SMTP server, or `.eml` files in a directory)."""

from bookstore.adapters.mail.files import MailDirectory
from bookstore.adapters.mail.smtp import SmtpMailer
from bookstore.adapters.mail.templates import JinjaMailTemplates

__all__ = ["JinjaMailTemplates", "MailDirectory", "SmtpMailer"]
