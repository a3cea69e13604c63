"""An in-memory ``DnsLookup``: answers from a dict, records what was asked."""

from __future__ import annotations

from chalicelib.domains.rules.verification import Lookup


class FakeDns:
    """Answers ``{(name, type): Lookup}``; any other question is NXDOMAIN."""

    def __init__(self, answers: dict[tuple[str, str], Lookup] | None = None) -> None:
        self.answers: dict[tuple[str, str], Lookup] = {}
        self.asked: list[tuple[str, str]] = []
        for (name, rtype), answer in (answers or {}).items():
            self.set(name, rtype, answer)

    def set(self, name: str, rtype: str, answer: Lookup) -> None:
        self.answers[(_key(name), rtype.upper())] = answer

    def publish(self, name: str, rtype: str, *values: str) -> None:
        self.set(name, rtype, Lookup("ok", tuple(values)))

    def lookup(self, name: str, rtype: str) -> Lookup:
        key = (_key(name), rtype.upper())
        self.asked.append(key)
        if key in self.answers:
            return self.answers[key]
        if any(known == key[0] for known, _ in self.answers):
            return Lookup("noanswer", ())
        return Lookup("nxdomain", ())


def _key(name: str) -> str:
    return name.lower().removesuffix(".")
