"""A minimal IMAP4rev1 listener for a local server: enough for a health check and a login
test, never a mail store. Greeting, CAPABILITY, STARTTLS, LOGIN (only after STARTTLS, as
MailU's dovecot on 143 says with LOGINDISABLED), SELECT/EXAMINE INBOX (EXISTS is the count
``inbox_count`` gives for the user), NOOP, LOGOUT. Lines are bounded; anything it does not
understand gets a BAD and the connection goes on; an idle client is dropped.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_LINE = 8192
IDLE_SECONDS = 300.0
Login = Callable[[str, bytes], str | None]  # (user, password) -> the user's address or None
InboxCount = Callable[[str], int]


def parse_arguments(text: str) -> list[str] | None:
    """IMAP atoms and quoted strings; None for what this server does not take (literals)."""
    args: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
        elif text[i] == '"':
            value, i = _quoted(text, i + 1)
            if value is None:
                return None
            args.append(value)
        elif text[i] in "{(":
            return None
        else:
            end = text.find(" ", i)
            end = len(text) if end < 0 else end
            args.append(text[i:end])
            i = end
    return args


def _quoted(text: str, i: int) -> tuple[str | None, int]:
    out: list[str] = []
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif char == '"':
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    return None, i


class _Session(socketserver.StreamRequestHandler):
    server: _ImapServer
    timeout = IDLE_SECONDS

    def setup(self) -> None:
        super().setup()
        self.tls = False
        self.user: str | None = None
        self.server.track(self, True)

    def finish(self) -> None:
        self.server.track(self, False)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        self.send(f"* OK [CAPABILITY {self.capabilities()}] PenguinMails local IMAP ready")
        with contextlib.suppress(OSError, ssl.SSLError):
            while self.serve_line():
                pass

    def serve_line(self) -> bool:
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (tail := self.rfile.readline(MAX_LINE + 1)) and not tail.endswith(b"\n"):
                pass
            self.send("* BAD line too long")
            return True
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        tag, _, rest = text.partition(" ")
        command, _, arguments = rest.partition(" ")
        if not tag or not command or not tag.isprintable() or tag in ("*", "+"):
            self.send("* BAD Error in IMAP command received by server.")
            return True
        return self.dispatch(tag, command.upper(), arguments)

    def dispatch(self, tag: str, command: str, arguments: str) -> bool:
        args = parse_arguments(arguments)
        if args is None:
            self.send(f"{tag} BAD literals and lists are not supported here")
            return True
        if command == "LOGOUT":
            self.send("* BYE Logging out")
            self.send(f"{tag} OK Logout completed.")
            return False
        handler = {
            "CAPABILITY": self.capability,
            "NOOP": self.noop,
            "STARTTLS": self.starttls,
            "LOGIN": self.login,
            "SELECT": self.select,
            "EXAMINE": self.select,
        }.get(command)
        if handler is None:
            self.send(f"{tag} BAD Unknown command.")
            return True
        return handler(tag, command, args)

    def capabilities(self) -> str:
        return "IMAP4rev1 AUTH=PLAIN" if self.tls else "IMAP4rev1 STARTTLS LOGINDISABLED"

    def capability(self, tag: str, _command: str, _args: list[str]) -> bool:
        self.send(f"* CAPABILITY {self.capabilities()}")
        self.send(f"{tag} OK Capability completed.")
        return True

    def noop(self, tag: str, _command: str, _args: list[str]) -> bool:
        self.send(f"{tag} OK NOOP completed.")
        return True

    def starttls(self, tag: str, _command: str, _args: list[str]) -> bool:
        if self.tls:
            self.send(f"{tag} BAD TLS is active already.")
            return True
        self.send(f"{tag} OK Begin TLS negotiation now.")
        self.wfile.flush()
        try:
            self.request = self.server.tls_context().wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return False
        self.rfile, self.wfile = self.request.makefile("rb"), self.request.makefile("wb")
        self.tls = True
        return True

    def login(self, tag: str, _command: str, args: list[str]) -> bool:
        if not self.tls:
            self.send(f"{tag} NO [PRIVACYREQUIRED] Plaintext authentication disallowed.")
        elif self.user is not None or len(args) != 2:
            self.send(f"{tag} BAD LOGIN needs a user and a password, once.")
        else:
            self.user = self.server.login(args[0], args[1].encode("utf-8"))
            if self.user is None:
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed.")
            else:
                self.send(f"{tag} OK [CAPABILITY IMAP4rev1] Logged in")
        return True

    def select(self, tag: str, command: str, args: list[str]) -> bool:
        if self.user is None:
            self.send(f"{tag} NO Not logged in.")
        elif len(args) != 1 or args[0].upper() != "INBOX":
            self.send(f"{tag} NO [NONEXISTENT] Mailbox doesn't exist.")
        else:
            count = self.server.inbox_count(self.user)
            self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
            self.send(f"* {count} EXISTS")
            self.send("* 0 RECENT")
            self.send("* OK [UIDVALIDITY 1] UIDs valid")
            self.send(f"* OK [UIDNEXT {count + 1}] Predicted next UID")
            mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
            self.send(f"{tag} OK [{mode}] {command.capitalize()} completed.")
        return True

    def send(self, line: str) -> None:
        self.wfile.write(line.encode("utf-8") + b"\r\n")
        self.wfile.flush()


class _ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        tls_context: Callable[[], ssl.SSLContext],
        login: Login,
        inbox_count: InboxCount,
    ) -> None:
        super().__init__(address, _Session)
        self.tls_context, self.login, self.inbox_count = tls_context, login, inbox_count
        self._lock = threading.Lock()
        self._open: set[_Session] = set()

    def track(self, session: _Session, opened: bool) -> None:
        with self._lock:
            (self._open.add if opened else self._open.discard)(session)

    def drop_clients(self) -> None:
        with self._lock:
            sessions = list(self._open)
        for session in sessions:  # its socket, TLS-wrapped or not
            with contextlib.suppress(OSError):
                session.request.shutdown(socket.SHUT_RDWR)


class LocalImapServer:
    """The listener at (host, port) (port 0: a free one); ``start``/``stop``."""

    def __init__(
        self,
        host: str,
        tls_context: Callable[[], ssl.SSLContext],
        login: Login,
        inbox_count: InboxCount,
        port: int = 0,
    ) -> None:
        self._server = _ImapServer((host, port), tls_context, login, inbox_count)
        self.host, self.port = host, self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"imap-{host}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.drop_clients()
        self._server.server_close()
