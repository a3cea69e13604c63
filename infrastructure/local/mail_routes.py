"""The local-only routes over the local mailboxes' IMAP-like state and the simulator's forced
bounces (served by ``http_server.LocalRoutes`` next to the other ``/local/`` routes):

``/local/smtp/inbox``         GET ``?user=&folder=inbox|spam&after_uid=N[&limit=M]``: that
                              folder's messages with a uid above N, by uid, each with
                              ``uid``, ``folder``, ``flags``, ``message_id``, ``raw`` (without
                              ``folder`` the route keeps its old listing, in ``http_server``).
``/local/smtp/inbox/flags``   POST ``{user, message_id, add: [flag…]}``: adds flags.
``/local/smtp/inbox/move``    POST ``{user, message_id, to}``: moves the message held in the
                              other folder to ``to`` (a new uid there); 404 when there is none.
``/local/smtp/placement``     GET / POST ``{spam_rate: 0..1}``: the share of warm-up mail
                              that lands in spam.
``/local/simulator/bounces``  GET: the forced bounce rates; POST ``{sender, rate: 0..1}``
                              refuses that share of the recipients the sender's authenticated
                              sessions name (rate 0 removes it).

A body that is not a JSON object is a 400; a bad field a 422 naming it; a message that is not
there a 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from infrastructure.local.mail_store import FLAG, FOLDERS, check_rate
from infrastructure.local.smtp_credentials import normalize_email

Reply = tuple[int, dict[str, Any]]
Route = Callable[[bytes, dict[str, str]], Reply]
MAX_FLAGS = 16
MAX_MESSAGE_ID = 998


class Invalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def error(status: int, code: str, message: str, field: str | None = None) -> Reply:
    details = {"field": field} if field else {}
    return status, {"error": {"code": code, "message": message, "details": details}}


def _object(body: bytes) -> dict[str, Any]:
    data = json.loads(body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def _user(value: object) -> str:
    if not isinstance(value, str) or "@" not in value or len(value) > 320:
        raise Invalid("user", "user must be a mailbox's email address")
    return normalize_email(value)


def _message_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_MESSAGE_ID:
        raise Invalid("message_id", "message_id must be a Message-ID header value")
    return value.strip()


def _folder(value: object, field: str) -> Any:
    if value not in FOLDERS:
        raise Invalid(field, f"{field} must be one of {', '.join(FOLDERS)}")
    return value


def _flags(value: object) -> list[str]:
    if (
        not isinstance(value, list)
        or not 0 < len(value) <= MAX_FLAGS
        or not all(isinstance(f, str) and FLAG.fullmatch(f) for f in value)
    ):
        raise Invalid("add", f"add must list 1 to {MAX_FLAGS} flags such as \\Seen or \\Flagged")
    return list(value)


def _count(query: dict[str, str], field: str, default: int | None) -> int | None:
    value = query.get(field)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 12:
        raise Invalid(field, f"{field} must be a whole number")
    return int(value)


def validated(handler: Callable[[dict[str, Any]], Reply]) -> Route:
    """A body route from ``handler`` over the parsed body: 400 unless a JSON object, 422 on
    ``Invalid``."""

    def route(body: bytes, _query: dict[str, str]) -> Reply:
        try:
            data = _object(body)
        except ValueError:
            return error(400, "bad_request", "body must be a JSON object")
        try:
            return handler(data)
        except Invalid as bad:
            return error(422, "validation_error", str(bad), bad.field)

    return route


class MailRoutes:
    def __init__(self, smtp: Any) -> None:
        self.smtp = smtp  # a LocalSmtpServer

    def routes(self) -> dict[tuple[str, str], Route]:
        return {
            ("POST", "/local/smtp/inbox/flags"): validated(self._add_flags),
            ("POST", "/local/smtp/inbox/move"): validated(self._move),
            ("GET", "/local/smtp/placement"): lambda _b, _q: self._placement(),
            ("POST", "/local/smtp/placement"): validated(self._set_placement),
            ("GET", "/local/simulator/bounces"): lambda _b, _q: self._bounces(),
            ("POST", "/local/simulator/bounces"): validated(self._force_bounces),
        }

    def folder_listing(self, query: dict[str, str]) -> Reply:
        """GET /local/smtp/inbox with ``folder``."""
        try:
            user, folder = _user(query.get("user")), _folder(query.get("folder"), "folder")
            after_uid, limit = _count(query, "after_uid", 0) or 0, _count(query, "limit", None)
        except Invalid as bad:
            return error(422, "validation_error", str(bad), bad.field)
        items = self.smtp.mail_store.folder(user, folder, after_uid, limit)
        return 200, {"items": items}

    def _add_flags(self, data: dict[str, Any]) -> Reply:
        user, message_id = _user(data.get("user")), _message_id(data.get("message_id"))
        flags = _flags(data.get("add"))
        if not self.smtp.mail_store.add_flags(user, message_id, flags):
            return _missing(user, message_id)
        return 200, {"user": user, "message_id": message_id, "added": flags}

    def _move(self, data: dict[str, Any]) -> Reply:
        user, message_id = _user(data.get("user")), _message_id(data.get("message_id"))
        to = _folder(data.get("to"), "to")
        moved = self.smtp.mail_store.move(user, message_id, to)
        if not moved:
            return _missing(user, message_id, f" outside {to}")
        return 200, {"user": user, "message_id": message_id, "to": to, "moved": moved}

    def _placement(self) -> Reply:
        return 200, {"spam_rate": self.smtp.mail_store.spam_rate}

    def _set_placement(self, data: dict[str, Any]) -> Reply:
        try:
            self.smtp.mail_store.spam_rate = check_rate(data.get("spam_rate"), "spam_rate")
        except ValueError as bad:
            raise Invalid("spam_rate", str(bad)) from bad
        return self._placement()

    def _bounces(self) -> Reply:
        if self.smtp.simulator is None:
            return error(404, "not_found", "the mailbox simulator is off")
        return 200, {"items": self.smtp.simulator.forced_bounces()}

    def _force_bounces(self, data: dict[str, Any]) -> Reply:
        sender = data.get("sender")
        if not isinstance(sender, str) or "@" not in sender or len(sender) > 320:
            raise Invalid("sender", "sender must be a mailbox's email address")
        try:
            rate = check_rate(data.get("rate"), "rate")
        except ValueError as bad:
            raise Invalid("rate", str(bad)) from bad
        if self.smtp.simulator is None:
            return error(404, "not_found", "the mailbox simulator is off")
        self.smtp.simulator.force_bounces(normalize_email(sender), rate)
        return self._bounces()


def _missing(user: str, message_id: str, where: str = "") -> Reply:
    return error(404, "not_found", f"no message {message_id!r:.100} in {user}'s mailbox{where}")
