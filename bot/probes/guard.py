"""Vet every address before a connection: only public addresses, mail ports, unless allowed."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from bot.probes.model import ProbeError
from bot.probes.ports import HTTP_PORTS, MAIL_PORTS
from bot.probes.settings import IPNetwork
from bot.probes.target import IPAddress


class Refused(ProbeError):
    """A connection the guard will not let through: blocked_target or port_not_allowed."""


@dataclass(frozen=True, slots=True)
class Vetted:
    """An address the guard accepted for HOST; connections go to ADDRESS, never to a name."""

    host: str
    address: IPAddress


def effective(address: IPAddress) -> IPAddress:
    """The IPv4 address behind an IPv4-mapped IPv6 one (::ffff:127.0.0.1 is 127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class Guard:
    def __init__(self, allow_networks: Iterable[IPNetwork] = ()) -> None:
        self.allow_networks = tuple(allow_networks)

    def allowed(self, address: IPAddress) -> bool:
        address = effective(address)
        if any(address.version == net.version and address in net for net in self.allow_networks):
            return True
        # is_global is False for loopback, private, link-local, CGNAT, reserved and unspecified.
        return address.is_global and not address.is_multicast

    def vet(self, host: str, addresses: Iterable[IPAddress]) -> Vetted:
        """The address to connect to; Refused if any address of HOST is not allowed.

        A name mixing public and internal addresses is refused as a whole (rebinding tricks).
        """
        found = [effective(address) for address in addresses]
        blocked = [address for address in found if not self.allowed(address)]
        if blocked:
            raise Refused(
                "blocked_target",
                f"{host} → {blocked[0]} : adresse interne ou réservée, non testée",
            )
        if not found:
            raise Refused("blocked_target", f"{host} : aucune adresse")
        return Vetted(host, found[0])


def check_mail_port(port: int) -> None:
    if port not in MAIL_PORTS:
        allowed = ", ".join(str(number) for number in sorted(MAIL_PORTS))
        raise Refused("port_not_allowed", f"port {port} non testé (ports autorisés : {allowed})")


def check_http_port(port: int) -> None:
    if port not in HTTP_PORTS:
        raise Refused("port_not_allowed", f"port {port} non autorisé pour l'autoconfiguration")
