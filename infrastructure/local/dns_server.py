"""Local authoritative DNS server for the PenguinMails local platform.

Owns answering DNS queries on 127.0.0.1 (UDP and TCP on one port, default 5353) from the
Route 53 hosted zones held by the moto emulator, so that domain checks (SPF, DKIM, DMARC, MX,
tracking CNAMEs) resolve locally the way they would against Route 53. Zones are read through a
boto3 route53 client and cached for ``cache_seconds``: the list of zones (names and ids) in one
cache, each zone's records in its own, loaded the first time a question falls in that zone. A
question only ever reads the zone it falls in (the longest matching zone name), so answering
costs the same with three zones or three thousand (the emulator of a long test run or a laptop
with many tenants). A question the cached data cannot answer (no zone, no such name or type)
reloads the zone list and that one zone first, so a zone or record created a moment ago is
served at once. This module never writes records.
"""

from __future__ import annotations

import logging
import re
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

logger = logging.getLogger(__name__)

MAX_CNAME_HOPS = 8
TCP_IDLE_SECONDS = 30.0
BIND_ATTEMPTS = 20
# moto 5.x returns the apex SOA value as the repr of a dict: "{'Value': 'ns-... 86400'}".
_MOTO_SOA = re.compile(r"^\{'Value': '(.*)'\}$")

Node = dict[int, dns.rrset.RRset]


@dataclass
class _Zone:
    origin: dns.name.Name
    nodes: dict[dns.name.Name, Node] = field(default_factory=dict)
    names: set[dns.name.Name] = field(default_factory=set)  # owners and empty non-terminals

    def __post_init__(self) -> None:
        self.names.add(self.origin)

    def add(self, rrset: dns.rrset.RRset) -> None:
        node = self.nodes.setdefault(rrset.name, {})
        if rrset.rdtype in node:  # several routing-policy sets share name and type
            rrset = dns.rrset.from_rdata_list(rrset.name, rrset.ttl, [*node[rrset.rdtype], *rrset])
        node[rrset.rdtype] = rrset
        name = rrset.name
        while name != self.origin and name.is_subdomain(self.origin):
            self.names.add(name)
            name = name.parent()

    def soa(self) -> dns.rrset.RRset:
        soa = self.nodes.get(self.origin, {}).get(dns.rdatatype.SOA)
        if soa is None:
            text = f"ns.{self.origin} hostmaster.{self.origin} 1 7200 900 1209600 86400"
            soa = dns.rrset.from_text_list(self.origin, 900, "IN", "SOA", [text])
        ttl = min(soa.ttl, soa[0].minimum)  # RFC 2308 negative-caching TTL
        return dns.rrset.from_rdata_list(self.origin, ttl, list(soa))

    def node(self, name: dns.name.Name) -> Node | None:
        """Records at ``name``: {} for an empty non-terminal, None for NXDOMAIN."""
        if name in self.nodes:
            return self.nodes[name]
        if name in self.names:
            return {}
        encloser = name.parent()
        while encloser not in self.names and encloser != self.origin:
            encloser = encloser.parent()
        wild = self.nodes.get(dns.name.Name((b"*", *encloser.labels)))
        if wild is None:
            return None
        return {t: dns.rrset.from_rdata_list(name, r.ttl, list(r)) for t, r in wild.items()}


def _owner(name: str) -> dns.name.Name:
    # Route 53 returns '*' (and other specials) as octal escapes; moto returns them verbatim.
    return dns.name.from_text(name.replace("\\052", "*"))


def _to_rrset(record: dict[str, Any]) -> dns.rrset.RRset | None:
    values = [_MOTO_SOA.sub(r"\1", r["Value"]) for r in record.get("ResourceRecords", [])]
    if not values:  # alias records carry no values
        return None
    try:
        return dns.rrset.from_text_list(
            _owner(record["Name"]),
            int(record.get("TTL", 300)),
            "IN",
            record["Type"],
            values,
            origin=dns.name.root,
            relativize=False,
        )
    except (dns.exception.DNSException, ValueError, KeyError):  # keep the rest of the zone
        logger.warning("skipping unparsable record set %s %s", record["Name"], record["Type"])
        return None


def _misses(zone: _Zone | None, name: dns.name.Name, rdtype: int) -> bool:
    """The zone holds nothing for this question: no zone, no such name, or neither the type
    nor a CNAME at it."""
    node = zone.node(name) if zone is not None else None
    if node is None:
        return True
    return (
        not (rdtype == dns.rdatatype.ANY and node)
        and rdtype not in node
        and (dns.rdatatype.CNAME not in node)
    )


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _UdpServer

    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.owner.handle_wire(data, udp=True)
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TcpHandler(socketserver.StreamRequestHandler):
    """Length-prefixed messages (RFC 1035 4.2.2), several per connection."""

    server: _TcpServer
    timeout = TCP_IDLE_SECONDS

    def handle(self) -> None:
        try:
            while len(prefix := self.rfile.read(2)) == 2:
                size = struct.unpack("!H", prefix)[0]
                query = self.rfile.read(size)
                reply = (
                    self.server.owner.handle_wire(query, udp=False) if len(query) == size else None
                )
                if reply is None:
                    return
                self.wfile.write(struct.pack("!H", len(reply)) + reply)
        except OSError:  # idle timeout or reset: drop the connection
            return


class _ServerMixin:
    daemon_threads = True
    block_on_close = False
    owner: LocalDnsServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.warning("DNS request from %s failed", client_address, exc_info=sys.exc_info())


class _UdpServer(_ServerMixin, socketserver.ThreadingUDPServer):
    pass


class _TcpServer(_ServerMixin, socketserver.ThreadingTCPServer):
    allow_reuse_address = True


class LocalDnsServer:
    """Authoritative DNS for the Route 53 zones in the emulator, on UDP and TCP."""

    def __init__(
        self,
        route53_client_factory: Callable[[], Any],
        host: str = "127.0.0.1",
        port: int = 5353,
        cache_seconds: float = 1.0,
    ) -> None:
        self._factory = route53_client_factory
        self.host = host
        self.port = port
        self._cache_seconds = cache_seconds
        self._client: Any = None
        self._index: dict[dns.name.Name, str] | None = None  # zone origin -> hosted zone id
        self._loaded_at = 0.0  # when the zone list was last read
        self._records: dict[str, tuple[float, _Zone]] = {}  # zone id -> (read at, records)
        self.loads = 0  # Route 53 reads (zone lists and zones), for tests and status
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._queries = 0
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Listen on UDP and TCP (same port) and return once both accept queries."""
        if self._servers:
            return
        udp, tcp = self._bind()
        self.port = udp.server_address[1]
        for server in (udp, tcp):
            server.owner = self
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"dns-{type(server).__name__}-{self.port}",
                daemon=True,
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)

    def _bind(self) -> tuple[_UdpServer, _TcpServer]:
        for _ in range(BIND_ATTEMPTS if self.port == 0 else 1):
            udp = _UdpServer((self.host, self.port), _UdpHandler)
            try:
                return udp, _TcpServer((self.host, udp.server_address[1]), _TcpHandler)
            except OSError:
                udp.server_close()
                if self.port != 0:
                    raise
        raise OSError(f"no port free for both UDP and TCP on {self.host}")

    def stop(self) -> None:
        """Stop listening; safe to call more than once."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def status(self) -> dict[str, Any]:
        try:
            zones = len(self._zone_index()[0])
        except Exception:  # noqa: BLE001 - status must answer even when the emulator is down
            zones = len(self._index or {})
        return {
            "status": "ok" if self._servers else "stopped",
            "host": self.host,
            "port": self.port,
            "zones": zones,
            "queries": self._queries,
        }

    def _route53(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def _fresh(self, loaded_at: float) -> bool:
        return time.monotonic() - loaded_at < self._cache_seconds

    def _zone_index(self, reload: bool = False) -> tuple[dict[dns.name.Name, str], bool]:
        """Zone origin -> hosted zone id, and whether it came from the cache."""
        with self._lock:
            if self._index is not None and self._fresh(self._loaded_at) and not reload:
                return self._index, True
            index: dict[dns.name.Name, str] = {}
            try:
                for page in self._route53().get_paginator("list_hosted_zones").paginate():
                    for hosted in page["HostedZones"]:  # the first of two same-named zones wins
                        index.setdefault(dns.name.from_text(hosted["Name"]), hosted["Id"])
            except Exception:
                self._client = None  # rebuild the client on the next attempt
                raise
            self.loads += 1
            self._index, self._loaded_at = index, time.monotonic()
            return index, False

    def _zone_records(
        self, origin: dns.name.Name, zone_id: str, reload: bool
    ) -> tuple[_Zone, bool]:
        """One zone's records, and whether they came from the cache."""
        with self._lock:
            held = self._records.get(zone_id)
            if held is not None and self._fresh(held[0]) and not reload:
                return held[1], True
            zone = _Zone(origin)
            try:
                pages = self._route53().get_paginator("list_resource_record_sets")
                for page in pages.paginate(HostedZoneId=zone_id):
                    for record in page["ResourceRecordSets"]:
                        if (rrset := _to_rrset(record)) is not None:
                            zone.add(rrset)
            except Exception:
                self._client = None
                raise
            self.loads += 1
            self._records[zone_id] = (time.monotonic(), zone)
            return zone, False

    def _zone(self, name: dns.name.Name, reload: bool = False) -> tuple[_Zone | None, bool]:
        """The zone ``name`` falls in (longest matching origin), and whether all of it came
        from the cache."""
        index, cached = self._zone_index(reload)
        origin = max((o for o in index if name.is_subdomain(o)), key=len, default=None)
        if origin is None:
            return None, cached
        zone, zone_cached = self._zone_records(origin, index[origin], reload)
        return zone, cached and zone_cached

    def handle_wire(self, data: bytes, udp: bool) -> bytes | None:
        """Answer one wire-format query; None means drop it (or close the TCP connection)."""
        try:
            query = dns.message.from_wire(data)
        except Exception:  # noqa: BLE001 - any malformed packet is dropped
            logger.debug("dropping malformed DNS packet (%d bytes)", len(data))
            return None
        if query.flags & dns.flags.QR:
            return None
        with self._count_lock:
            self._queries += 1
        response = self._respond(query)
        return self._to_wire(query, response, udp)

    def _respond(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
        elif len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
        elif query.question[0].rdclass != dns.rdataclass.IN:
            response.set_rcode(dns.rcode.REFUSED)
        else:
            try:
                self._answer(query.question[0], response)
            except Exception:
                logger.warning("DNS lookup failed; answering SERVFAIL", exc_info=True)
                response = dns.message.make_response(query)
                response.set_rcode(dns.rcode.SERVFAIL)
        return response

    def _answer(self, question: dns.rrset.RRset, response: dns.message.Message) -> None:
        name, rdtype = question.name, question.rdtype
        zone, cached = self._zone(name)
        if cached and _misses(zone, name, rdtype):  # created since the cache was filled?
            zone, _ = self._zone(name, reload=True)
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
            return
        response.flags |= dns.flags.AA
        for _ in range(MAX_CNAME_HOPS):
            node = zone.node(name)
            if node is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
                break
            if found := self._matching(node, rdtype):
                response.answer.extend(found)
                return
            cname = node.get(dns.rdatatype.CNAME)
            if cname is None or rdtype == dns.rdatatype.CNAME:
                break
            response.answer.append(cname)
            name = cname[0].target
            if (zone := self._zone(name)[0]) is None:
                return  # chain leaves our zones: the client resolves the rest
        else:
            return  # hop limit reached: answer with the chain so far
        response.authority.append(zone.soa())

    @staticmethod
    def _matching(node: Node, rdtype: int) -> list[dns.rrset.RRset]:
        if rdtype == dns.rdatatype.ANY:
            return list(node.values())
        return [node[rdtype]] if rdtype in node else []

    @staticmethod
    def _to_wire(query: dns.message.Message, response: dns.message.Message, udp: bool) -> bytes:
        limit = max(512, query.payload if query.edns >= 0 else 0) if udp else 65535
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            response.answer.clear()
            response.authority.clear()
            response.additional.clear()
            response.flags |= dns.flags.TC
            return response.to_wire(max_size=limit)
