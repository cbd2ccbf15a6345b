"""Real servers on loopback for the probe tests and the benchmark; started and stopped here only.

- `Lab`: one asyncio loop in a thread running aiosmtpd (STARTTLS and implicit TLS), a local
  HTTP(S) server for autoconfig/ISPDB (aiohttp), a hanging server (accepts, never speaks), a
  server speaking nonsense, a listener whose accept queue is full (TCP connect times out), and
  sentinels counting any connection they receive.
- `start_dovecot`: Debian's Dovecot with its own configuration file (IMAP, POP3).
- `start_dnsmasq`: dnsmasq as the authoritative DNS server of a test zone on a loopback port.

Every address is in 127.B.C.0/24 (B, C drawn from the process id) so that runs side by side
do not collide; the well-known mail ports are used, which is why the tests run as root.
Processes are stopped by the pid this module started, never by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import trustme
from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = os.environ.get("AIDEMAIL_DOVECOT") or shutil.which("dovecot") or "/usr/sbin/dovecot"
DNSMASQ = os.environ.get("AIDEMAIL_DNSMASQ") or shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
TEST_DOMAINS = ("example.test", "boulangerie.test", "fai.test", "autre.test")
WRONG_NAME = "ailleurs.invalid"
START_TIMEOUT = 10.0  # seconds a server gets to come up
MAIL_PORTS = (25, 110, 143, 465, 587, 993, 995, 2525)


def loopback_base() -> str:
    pid = os.getpid()
    return f"127.{100 + pid % 100}.{(pid // 100) % 250 + 1}."


# -- certificates -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path


def _names() -> list[str]:
    return [name for domain in TEST_DOMAINS for name in (domain, f"*.{domain}")]


def _self_signed(path: Path) -> CertFiles:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "serveur auto-signé")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in _names()]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    files = CertFiles(path / "selfsigned.pem", path / "selfsigned.key")
    files.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass
class Certificates:
    """A test CA (trusted through SSL_CERT_FILE) and server certificates, good and bad."""

    directory: Path
    ca_file: Path = field(init=False)
    files: dict[str, CertFiles] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ca, stranger = trustme.CA(), trustme.CA(organization_name="Autorité inconnue")
        self.ca_file = self.directory / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        now = dt.datetime.now(dt.UTC)
        leaves = {
            "valid": ca.issue_cert(*_names()),
            "expired": ca.issue_cert(
                *_names(), not_before=now - dt.timedelta(days=60), not_after=now - dt.timedelta(1)
            ),
            "not_yet_valid": ca.issue_cert(
                *_names(), not_before=now + dt.timedelta(days=2), not_after=now + dt.timedelta(9)
            ),
            "wrong_name": ca.issue_cert(WRONG_NAME),
            "untrusted": stranger.issue_cert(*_names()),
        }
        for name, leaf in leaves.items():
            files = CertFiles(self.directory / f"{name}.pem", self.directory / f"{name}.key")
            leaf.private_key_pem.write_to_path(str(files.key))
            files.cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
            self.files[name] = files
        self.files["self_signed"] = _self_signed(self.directory)

    def server_context(self, name: str, *, old_tls: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        files = self.files[name]
        context.load_cert_chain(files.cert, files.key)
        if old_tls:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = ssl.TLSVersion.TLSv1_1
        return context


# -- processes ------------------------------------------------------------------------------------
def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this module started, by its pid."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


def wait_until(ready: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll READY every 20 ms, for at most TIMEOUT seconds."""
    end = time.monotonic() + timeout
    for _ in range(int(timeout / 0.02)):
        if ready() or time.monotonic() > end:
            break
        time.sleep(0.02)
    else:
        raise RuntimeError(f"{what} did not come up within {timeout} s")
    if not ready():
        raise RuntimeError(f"{what} did not come up within {timeout} s")
    return
    raise RuntimeError(f"{what} did not come up within {timeout} s")


def accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _running(process: subprocess.Popen[bytes], what: str) -> None:
    if process.poll() is not None:
        output = process.stdout.read().decode(errors="replace") if process.stdout else ""
        raise RuntimeError(f"{what} exited with {process.returncode}: {output[-2000:]}")


# -- Dovecot -------------------------------------------------------------------------------------
DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
instance_name = aidemail-test-{pid}
log_path = /dev/stderr
protocols = imap pop3
listen = {listen}
ssl = yes
ssl_cert = <{valid_cert}
ssl_key = <{valid_key}
default_internal_user = {internal_user}
default_login_user = {login_user}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = {base}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={base}/home
}}
{locals}
"""


@dataclass(frozen=True)
class DovecotAddresses:
    """One Dovecot instance, one address per certificate case (IMAP 993/143, POP3 995/110)."""

    valid: str
    expired: str
    not_yet_valid: str
    wrong_name: str
    self_signed: str
    untrusted: str
    plain: str  # ssl = no: no STARTTLS, no STLS, no implicit TLS


def _user(*candidates: str) -> str:
    for name in candidates:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    return "nobody"


def start_dovecot(
    directory: Path, certs: Certificates, addresses: DovecotAddresses
) -> subprocess.Popen[bytes]:
    directory.mkdir(parents=True, exist_ok=True)
    for sub in ("run", "state", "home"):
        (directory / sub).mkdir(exist_ok=True)
    (directory / "passwd").write_text("")
    blocks = []
    for case in ("expired", "not_yet_valid", "wrong_name", "self_signed", "untrusted"):
        files = certs.files[case]
        blocks.append(
            f"local {getattr(addresses, case)} {{\n"
            f"  ssl_cert = <{files.cert}\n  ssl_key = <{files.key}\n}}"
        )
    blocks.append(f"local {addresses.plain} {{\n  ssl = no\n}}")
    conf = directory / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            base=directory,
            pid=os.getpid(),
            listen=", ".join(vars(addresses).values()),
            valid_cert=certs.files["valid"].cert,
            valid_key=certs.files["valid"].key,
            internal_user=_user("dovecot", "nobody"),
            login_user=_user("dovenull", "nobody"),
            locals="\n".join(blocks),
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_until(lambda: _running(process, "dovecot") or accepts(addresses.plain, 110), "dovecot")
    except BaseException:
        stop_process(process)
        raise
    return process


# -- dnsmasq ------------------------------------------------------------------------------------
@dataclass
class Zone:
    """Records of a test zone; names under LOCAL domains that are not listed are NXDOMAIN."""

    hosts: dict[str, str] = field(default_factory=dict)  # name -> "IPv4", "IPv6" or "v4,v6"
    mx: list[tuple[str, str, int]] = field(default_factory=list)  # (domain, host, preference)
    srv: list[tuple[str, str, int]] = field(default_factory=list)  # (_svc._tcp.domain, host, port)
    txt: list[tuple[str, str]] = field(default_factory=list)
    local: tuple[str, ...] = ("test", "invalid")

    def arguments(self) -> list[str]:
        args = [f"--local=/{domain}/" for domain in self.local]
        args += [f"--host-record={name},{address}" for name, address in self.hosts.items()]
        args += [f"--mx-host={domain},{host},{pref}" for domain, host, pref in self.mx]
        args += [f"--srv-host={name},{host},{port},0,1" for name, host, port in self.srv]
        args += [f"--txt-record={name},{text}" for name, text in self.txt]
        return args


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on HOST (bounded number of tries)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket() as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def _answers(port: int) -> bool:
    query = dns.message.make_query("ready.check.test", "A")
    try:
        dns.query.udp(query, "127.0.0.1", port=port, timeout=0.05)
    except (OSError, dns.exception.DNSException):
        return False
    return True


def start_dnsmasq(zone: Zone) -> tuple[subprocess.Popen[bytes], int]:
    """dnsmasq in the foreground on 127.0.0.1:PORT, answering only from ZONE."""
    port = free_port()
    command = [
        DNSMASQ,
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        f"--port={port}",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        "--no-negcache",
        "--pid-file=",
        "--user=root",
        *zone.arguments(),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _running(process, "dnsmasq") or _answers(port), "dnsmasq")
    except BaseException:
        stop_process(process)
        raise
    return process, port


# -- the asyncio lab: SMTP, HTTP, hanging, garbage, full backlog, sentinels -----------------------
class _Silent(asyncio.Protocol):
    """Accepts and never says a word."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.lab.held.append(transport)


class _Nonsense(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n")


class _Counter(asyncio.Protocol):
    """A sentinel: counts connections (the SSRF tests require it to see none)."""

    def __init__(self, lab: Lab, key: str) -> None:
        self.lab, self.key = lab, key

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.lab.hits[self.key] = self.lab.hits.get(self.key, 0) + 1
        transport.close()


def _refuse_auth(*_args: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


@dataclass(frozen=True)
class LabAddresses:
    dovecot: DovecotAddresses
    smtp: str  # valid certificate: STARTTLS on 25/587/2525, implicit TLS on 465
    smtp_plain: str  # no STARTTLS on 25 and 587
    smtp_expired: str  # expired certificate after STARTTLS on 587
    smtp_old_tls: str  # implicit TLS 1.0/1.1 only on 465
    hanging: str  # accepts on every mail port (and 80/443), never speaks
    nonsense: str  # answers "SSH-2.0-..." in clear on 143, 110, 587 and 993
    full_backlog: str  # SYNs unanswered on 993 and 587: the TCP connect times out
    refused: str  # nothing listens
    http: str  # autoconfig / ISPDB on 80 and 443
    sentinel: str  # counts connections on every mail port and 80/443

    @classmethod
    def allocate(cls, base: str) -> LabAddresses:
        dovecot = DovecotAddresses(*(f"{base}{10 + index}" for index in range(7)))
        names = [name for name in cls.__dataclass_fields__ if name != "dovecot"]
        return cls(dovecot, *(f"{base}{30 + index}" for index in range(len(names))))


class Lab:
    """The servers of one test session, on one event loop in a background thread."""

    def __init__(self, directory: Path, base: str | None = None) -> None:
        self.directory = directory
        self.certs = Certificates(directory / "certs")
        self.at = LabAddresses.allocate(base or loopback_base())
        # (host, path) or (scheme, host, path) -> (status, body)
        self.routes: dict[tuple[str, ...], tuple[int, bytes]] = {}
        self.requests: list[tuple[str, str]] = []  # (host, path) seen by the HTTP server
        self.hits: dict[str, int] = {}
        self.held: list[asyncio.BaseTransport] = []
        self.loopback_sentinels: dict[str, int] = {}  # "127.0.0.1" / "::1" -> port bound
        self._servers: list[asyncio.AbstractServer] = []
        self._sockets: list[socket.socket] = []
        self._runner: web.AppRunner | None = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    # lifecycle
    def start(self) -> Lab:
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd's session errors
        self._thread.start()
        self.call(self._start())
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()
        for sock in self._sockets:
            sock.close()

    def call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(START_TIMEOUT)

    def serve(self, domain_routes: dict[tuple[str, ...], tuple[int, bytes]]) -> None:
        self.routes.clear()
        self.routes.update(domain_routes)
        self.requests.clear()

    # servers
    async def _listen(
        self, factory: Callable[[], asyncio.BaseProtocol], host: str, port: int, **kwargs: Any
    ) -> None:
        server = await self.loop.create_server(factory, host, port, reuse_address=True, **kwargs)
        self._servers.append(server)

    def _smtp(self, context: ssl.SSLContext | None, *, starttls: bool = True) -> SMTP:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return SMTP(
                _Handler(),
                hostname="mx.example.test",
                tls_context=context if starttls else None,
                require_starttls=False,
                authenticator=_refuse_auth,
                auth_require_tls=starttls,
                loop=self.loop,
            )

    async def _start(self) -> None:
        at, certs = self.at, self.certs
        valid = certs.server_context("valid")
        for port in (25, 587, 2525):
            await self._listen(lambda: self._smtp(valid), at.smtp, port)
        await self._listen(lambda: self._smtp(None, starttls=False), at.smtp, 465, ssl=valid)
        for port in (25, 587):
            await self._listen(lambda: self._smtp(None, starttls=False), at.smtp_plain, port)
        expired = certs.server_context("expired")
        await self._listen(lambda: self._smtp(expired), at.smtp_expired, 587)
        old = certs.server_context("valid", old_tls=True)
        await self._listen(lambda: self._smtp(None, starttls=False), at.smtp_old_tls, 465, ssl=old)
        for port in (*MAIL_PORTS, 80, 443):
            await self._listen(lambda: _Silent(self), at.hanging, port)
            await self._listen(
                lambda port=port: _Counter(self, f"sentinel:{port}"), at.sentinel, port
            )
        for port in (143, 110, 587, 993):
            await self._listen(_Nonsense, at.nonsense, port)
        for port in (993, 587):
            self._full_backlog(at.full_backlog, port)
        await self._start_http(valid)
        for host in ("127.0.0.1", "::1"):
            await self._loopback_sentinel(host)

    def _full_backlog(self, host: str, port: int) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(0)
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex((host, port))  # fills the accept queue; later SYNs go unanswered
        self._sockets += [listener, filler]

    async def _loopback_sentinel(self, host: str) -> None:
        """A counter on 127.0.0.1 / ::1, on the first mail port free there (if any)."""
        for port in (2525, 587, 465, 995, 110, 143, 993, 25):
            try:
                await self._listen(lambda h=host: _Counter(self, f"loopback:{h}"), host, port)
            except OSError:
                continue
            self.loopback_sentinels[host] = port
            return

    async def _start_http(self, context: ssl.SSLContext) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._http)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.at.http, 80, reuse_address=True).start()
        await web.TCPSite(
            self._runner, self.at.http, 443, ssl_context=context, reuse_address=True
        ).start()

    async def _http(self, request: web.Request) -> web.Response:
        host = request.host.rsplit(":", 1)[0] if request.host.count(":") == 1 else request.host
        path = request.path_qs
        self.requests.append((host, path))
        answer = self.routes.get((request.scheme, host, path)) or self.routes.get((host, path))
        status, body = answer or (404, b"not found")
        return web.Response(status=status, body=body, content_type="application/xml")

    async def _stop(self) -> None:
        for transport in self.held:
            transport.close()
        for server in self._servers:
            server.close()
        if self._runner is not None:
            await self._runner.cleanup()


class _Handler:
    async def handle_DATA(self, *_args: Any) -> str:
        return "554 no mail accepted here"


def autoconfig_xml(servers: list[tuple[str, str, int, str]], domain: str) -> bytes:
    """A config-v1.1.xml document: (kind imap|pop3|smtp, hostname, port, socketType)."""
    items = []
    for kind, hostname, port, socket_type in servers:
        tag = "outgoingServer" if kind == "smtp" else "incomingServer"
        items.append(
            f'<{tag} type="{kind}"><hostname>{hostname}</hostname><port>{port}</port>'
            f"<socketType>{socket_type}</socketType><username>%EMAILADDRESS%</username>"
            f"<authentication>password-cleartext</authentication></{tag}>"
        )
    return (
        '<?xml version="1.0"?><clientConfig version="1.1">'
        f'<emailProvider id="{domain}"><domain>{domain}</domain>{"".join(items)}'
        "</emailProvider></clientConfig>"
    ).encode()


@contextlib.contextmanager
def dns_server(zone: Zone) -> Iterator[int]:
    process, port = start_dnsmasq(zone)
    try:
        yield port
    finally:
        stop_process(process)


def run_lab_process(
    directory: Path,
    base: str,
    routes: dict[tuple[str, ...], tuple[int, bytes]],
    ready: Any,
    stop: Any,
) -> None:
    """The whole lab (and Dovecot) in a child process, until STOP is set (for the benchmark)."""
    lab = Lab(directory, base).start()
    lab.serve(routes)
    dovecot = start_dovecot(directory / "dovecot", lab.certs, lab.at.dovecot)
    try:
        ready.set()
        stop.wait(timeout=3600)
    finally:
        stop_process(dovecot)
        lab.stop()
