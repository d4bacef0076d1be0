"""A fleet of simulated Windows hosts served from one process, each on its own loopback port.

The fleet writes everything a client needs into its state directory:

- ``lab.json``: present while the lab runs (pid, control port and token, hosts with port/scheme/profile);
- ``inventory.yml`` (or the path given): an Ansible inventory for the hosts;
- ``fleet.json``: how the lab was started (hosts, scheme, credentials), so ``--resume`` can start it again;
- ``hosts/<name>.json``: each host's simulated state, rewritten after every request that changed it;
- ``certs/``: the CA and server certificate when the lab serves HTTPS.

A small JSON control API on another loopback port switches faults, reads and replaces host state and reports
request statistics; ``LabClient`` wraps it for tests, and ``running_lab`` runs a whole lab inside a test process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from winlab import certs
from winlab.wsman import Acceptor, FaultMode, WsmanEndpoint

LOG = logging.getLogger("winlab.fleet")

DEFAULT_USER = "labadmin"
DEFAULT_GROUP = "lab"
LAB_FILE = "lab.json"
CONFIG_FILE = "fleet.json"
HOSTS_DIR = "hosts"
CERTS_DIR = "certs"
DEFAULT_INVENTORY = "inventory.yml"
STANDARD_HTTP_PORT = 5985
STANDARD_HTTPS_PORT = 5986
TOKEN_HEADER = "X-Winlab-Token"
CONTROL_TIMEOUT = 30.0
_HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class LabError(RuntimeError):
    """A lab could not be started, reached or controlled."""


class LabNotRunning(LabError):
    """The state directory holds no running lab."""


@dataclass(frozen=True)
class HostSpec:
    """One simulated host: its inventory name and the profile (name or JSON path) it starts from."""

    name: str
    profile: str


@dataclass
class LabConfig:
    """How a lab is started; stored as fleet.json so a lab can be resumed."""

    state_dir: Path
    hosts: list[HostSpec]
    https: bool = False
    user: str = DEFAULT_USER
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    groups: list[str] = field(default_factory=list)
    inventory: Path | None = None
    resume: bool = False
    #: The port each host listened on last time; a resumed lab tries to get the same ones back.
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir).resolve()
        if self.inventory is not None:
            self.inventory = Path(self.inventory).resolve()
        names = [spec.name for spec in self.hosts]
        if not names:
            raise LabError("a lab needs at least one host")
        for name in names:
            if not _HOST_NAME.match(name):
                raise LabError(f"invalid host name {name!r}: use letters, digits, '.', '_' and '-'")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise LabError(f"duplicate host names: {', '.join(duplicates)}")
        for group in self.groups:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", group):
                raise LabError(f"invalid group name {group!r}")

    @property
    def inventory_path(self) -> Path:
        return self.inventory or self.state_dir / DEFAULT_INVENTORY

    def to_json(self) -> dict[str, Any]:
        return {
            "hosts": [asdict(spec) for spec in self.hosts],
            "https": self.https,
            "user": self.user,
            "password": self.password,
            "groups": list(self.groups),
            "inventory": str(self.inventory) if self.inventory else None,
            "ports": dict(self.ports),
        }

    @classmethod
    def from_json(cls, state_dir: Path, data: Mapping[str, Any], resume: bool = False) -> LabConfig:
        return cls(
            state_dir=state_dir,
            hosts=[HostSpec(item["name"], item["profile"]) for item in data["hosts"]],
            https=bool(data.get("https", False)),
            user=data.get("user") or DEFAULT_USER,
            password=data.get("password") or secrets.token_urlsafe(18),
            groups=list(data.get("groups") or []),
            inventory=Path(data["inventory"]) if data.get("inventory") else None,
            resume=resume,
            ports={str(name): int(port) for name, port in (data.get("ports") or {}).items()},
        )


def numbered_hosts(count: int, profile: str, prefix: str = "host") -> list[HostSpec]:
    """``count`` hosts named prefix001, prefix002, ... from one profile."""
    if count < 1:
        raise LabError("--count must be at least 1")
    width = max(3, len(str(count)))
    return [HostSpec(f"{prefix}{index:0{width}d}", profile) for index in range(1, count + 1)]


def host_spec(text: str) -> HostSpec:
    """Parse NAME=PROFILE_OR_PATH."""
    name, separator, profile = text.partition("=")
    if not separator or not name or not profile:
        raise LabError(f"expected NAME=PROFILE_OR_PATH, got {text!r}")
    return HostSpec(name.strip(), profile.strip())


# --------------------------------------------------------------------------------------------------------------
# The fleet (server side)


class Fleet:
    """All hosts of one lab, served by threads of the current process."""

    def __init__(self, config: LabConfig) -> None:
        if config.resume and not config.ports:
            config.ports = _saved_ports(config.state_dir)
        self.config = config
        self.state_dir = config.state_dir
        self.hosts_dir = self.state_dir / HOSTS_DIR
        self.token = secrets.token_urlsafe(24)
        self.endpoints: dict[str, WsmanEndpoint] = {}
        self.profiles: dict[str, str] = {spec.name: spec.profile for spec in config.hosts}
        self.ca_cert: Path | None = None
        self._acceptor: Acceptor | None = None
        self._control: ThreadingHTTPServer | None = None
        self._control_thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._started = False
        self._standard_port = STANDARD_HTTPS_PORT if config.https else STANDARD_HTTP_PORT
        # Every port a host state of this lab may name as its WinRM port (see bind_winrm_port).
        self._known_ports: set[int] = set(config.ports.values())

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Create every host, open every port, start the control API and write lab.json and the inventory."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.hosts_dir.mkdir(exist_ok=True)
        write_private_file(self.state_dir / CONFIG_FILE, json.dumps(self.config.to_json(), indent=2))
        ssl_context = None
        if self.config.https:
            paths = certs.ensure_certificates(self.state_dir / CERTS_DIR)
            ssl_context = certs.server_ssl_context(paths)
            self.ca_cert = paths.ca_cert
        self._acceptor = Acceptor()
        self._started = True
        try:
            for spec in self.config.hosts:
                host, bound_port = self._initial_host(spec)
                endpoint = WsmanEndpoint(
                    spec.name,
                    host,
                    username=self.config.user,
                    password=self.config.password,
                    acceptor=self._acceptor,
                    ssl_context=ssl_context,
                    state_file=self.hosts_dir / f"{spec.name}.json",
                )
                endpoint.listen(preferred_port=bound_port if self.config.resume else 0)
                self.endpoints[spec.name] = endpoint
                self._known_ports.add(endpoint.port)
            for endpoint in self.endpoints.values():
                bind_winrm_port(endpoint.host.state, endpoint.port, self._standard_port, self._known_ports)
                endpoint.persist_state()
            self.config.ports = {name: endpoint.port for name, endpoint in self.endpoints.items()}
            write_private_file(self.state_dir / CONFIG_FILE, json.dumps(self.config.to_json(), indent=2))
            self._start_control()
            self._wait_until_ports_accept()
            write_inventory(self.config.inventory_path, self.inventory_hosts(), self.config.groups)
            write_private_file(self.state_dir / LAB_FILE, json.dumps(self.lab_info(), indent=2))
        except BaseException:
            self.stop()
            raise
        LOG.info("lab started: %d hosts, control port %d", len(self.endpoints), self.control_port)

    def stop(self) -> None:
        """Close every port, save every host's state and remove lab.json. Safe to call more than once."""
        with self._stop_lock:
            if self._stopped.is_set() or not self._started:
                self._stopped.set()
                return
            with contextlib.suppress(FileNotFoundError):
                (self.state_dir / LAB_FILE).unlink()
            for endpoint in self.endpoints.values():
                endpoint.close()
            if self._control is not None:
                self._control.shutdown()
                self._control.server_close()
            if self._control_thread is not None:
                self._control_thread.join(timeout=5)
            if self._acceptor is not None:
                self._acceptor.close()
            for endpoint in self.endpoints.values():
                try:
                    endpoint.persist_state()
                except Exception:
                    LOG.exception("cannot save the state of %s", endpoint.name)
            self._stopped.set()
            LOG.info("lab stopped")

    def request_stop(self) -> None:
        """Stop from another thread (the control API answers before the lab goes away)."""
        threading.Thread(target=self.stop, name="winlab-stop", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the lab stopped; True when it did."""
        return self._stopped.wait(timeout)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    @property
    def control_port(self) -> int:
        return self._control.server_address[1] if self._control is not None else 0

    # ---- hosts -----------------------------------------------------------------------------------------------

    def _initial_host(self, spec: HostSpec) -> tuple[Any, int]:
        """The host's simulated state (its saved one when resuming) and the port that state was bound to."""
        from winlab.simulator import SimulatedHost  # noqa: PLC0415  # loads profiles; only the fleet needs it

        saved = self.hosts_dir / f"{spec.name}.json"
        if self.config.resume and saved.is_file():
            state = json.loads(saved.read_text(encoding="utf-8"))
            return SimulatedHost(state, name=spec.name), self.config.ports.get(spec.name, 0)
        return SimulatedHost.from_profile(spec.profile, name=spec.name), 0

    def endpoint(self, name: str) -> WsmanEndpoint:
        try:
            return self.endpoints[name]
        except KeyError:
            raise LabError(f"no host named {name!r} in this lab") from None

    def set_state(self, name: str, state: Mapping[str, Any]) -> None:
        """Replace a host's simulated state (a document of the shape snapshot() returns, possibly another lab
        host's: its WinRM firewall rules are re-pointed at this host's port)."""
        from winlab.simulator import SimulatedHost  # noqa: PLC0415

        endpoint = self.endpoint(name)
        document = json.loads(json.dumps(state))  # a private deep copy the host can own
        bind_winrm_port(document, endpoint.port, self._standard_port, self._known_ports)
        endpoint.replace_host(SimulatedHost(document, name=name))

    def host_info(self, name: str) -> dict[str, Any]:
        endpoint = self.endpoint(name)
        return {
            "port": endpoint.port,
            "scheme": endpoint.scheme,
            "url": endpoint.url,
            "profile": self.profiles[name],
            "fault": endpoint.fault.as_dict(),
        }

    def inventory_hosts(self) -> dict[str, dict[str, Any]]:
        """Inventory variables per host."""
        hosts = {}
        for name, endpoint in self.endpoints.items():
            variables: dict[str, Any] = {
                "ansible_host": "127.0.0.1",
                "ansible_port": endpoint.port,
                "ansible_connection": "winrm",
                "ansible_winrm_transport": "basic",
                "ansible_winrm_scheme": endpoint.scheme,
                "ansible_user": self.config.user,
                "ansible_password": self.config.password,
                # Loopback only: a proxy from the environment (HTTP_PROXY...) must never see lab traffic.
                "ansible_winrm_proxy": None,
            }
            if self.ca_cert is not None:
                variables["ansible_winrm_server_cert_validation"] = "validate"
                variables["ansible_winrm_ca_trust_path"] = str(self.ca_cert)
            variables["lab_profile"] = self.profiles[name]
            hosts[name] = variables
        return hosts

    def lab_info(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "control_port": self.control_port,
            "token": self.token,
            "scheme": "https" if self.config.https else "http",
            "user": self.config.user,
            "password": self.config.password,
            "ca_cert": str(self.ca_cert) if self.ca_cert else None,
            "inventory": str(self.config.inventory_path),
            "state_dir": str(self.state_dir),
            "started_at": time.time(),
            "hosts": {name: self.host_info(name) for name in self.endpoints},
        }

    def _wait_until_ports_accept(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        for endpoint in self.endpoints.values():
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise LabError(f"{endpoint.name} does not accept connections on {endpoint.port}") from None
                    time.sleep(0.05)

    # ---- control API -----------------------------------------------------------------------------------------

    def _start_control(self) -> None:
        fleet = self

        class Handler(_ControlHandler):
            pass

        Handler.fleet = fleet
        self._control = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._control.daemon_threads = True
        self._control_thread = threading.Thread(
            target=self._control.serve_forever, kwargs={"poll_interval": 0.05}, name="winlab-control", daemon=True
        )
        self._control_thread.start()


class _ControlHandler(BaseHTTPRequestHandler):
    """JSON control API: GET /hosts, GET /stats, GET|PUT /hosts/NAME/state, POST /hosts/NAME/fault,
    GET /hosts/NAME/stats, POST /stop. Every request carries the lab token."""

    fleet: Fleet
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("control: " + format, *args)

    def _route(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.fleet.token):
            self._answer(403, {"error": "missing or wrong lab token"})
            return
        try:
            body = json.loads(raw) if raw else {}
            status, answer = self._handle(method, self.path.strip("/").split("/"), body)
        except LabError as error:
            status, answer = 404, {"error": str(error)}
        except (ValueError, KeyError, TypeError) as error:
            status, answer = 400, {"error": f"{type(error).__name__}: {error}"}
        except Exception as error:
            LOG.exception("control request failed")
            status, answer = 500, {"error": f"{type(error).__name__}: {error}"}
        self._answer(status, answer)

    def _handle(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        fleet = self.fleet
        match method, parts:
            case "GET", ["lab"]:
                return 200, fleet.lab_info()
            case "GET", ["hosts"]:
                return 200, {name: fleet.host_info(name) for name in fleet.endpoints}
            case "GET", ["stats"]:
                return 200, {name: endpoint.stats_dict() for name, endpoint in fleet.endpoints.items()}
            case "GET", ["hosts", name, "stats"]:
                return 200, fleet.endpoint(name).stats_dict()
            case "GET", ["hosts", name, "state"]:
                return 200, fleet.endpoint(name).snapshot()
            case "PUT", ["hosts", name, "state"]:
                if not isinstance(body, dict):
                    raise ValueError("the state must be a JSON object")
                fleet.set_state(name, body)
                return 200, {"ok": True}
            case "POST", ["hosts", name, "fault"]:
                fault = fleet.endpoint(name).set_fault(
                    FaultMode(body.get("mode", "none")), body.get("delay_ms", 0), body.get("command_ms", 0)
                )
                return 200, fault.as_dict()
            case "POST", ["stop"]:
                fleet.request_stop()
                return 200, {"ok": True}
        return 404, {"error": f"no such control route: {method} /{'/'.join(parts)}"}

    def _answer(self, status: int, document: Any) -> None:
        data = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# --------------------------------------------------------------------------------------------------------------
# Host state


def bind_winrm_port(state: dict[str, Any], port: int, standard_port: int, other_ports: Iterable[int] = ()) -> None:
    """Make the simulated host listen for WinRM on the lab port: every firewall rule port (local store and Group
    Policy) that names the port the host's WinRM listener uses (``network.winrm_port``, by default the standard
    port of the lab's scheme, 5985 or 5986), or another port of this lab, becomes ``port``, and so does
    ``network.winrm_port``.

    The controller checks its firewall changes against the port it connects to, and the endpoint asks the
    simulated firewall about that same port, so both must see the lab port where a real host has its listener port.
    A rule for another port (the standard one on a host whose listener was moved) stays as it is and lets nothing in.
    """
    network = state.setdefault("network", {})
    listening = network.get("winrm_port") or standard_port
    firewall = state.get("firewall") or {}
    rule_sets = [firewall.get("rules") or {}, ((firewall.get("group_policy") or {}).get("rules")) or {}]
    replaced = {str(listening), *(str(other) for other in other_ports)}
    for rules in rule_sets:
        for rule in rules.values():
            local_ports = rule.get("LocalPort") if isinstance(rule, dict) else None
            if not isinstance(local_ports, list):
                continue
            rebound = [str(port) if str(item).strip() in replaced else item for item in local_ports]
            rule["LocalPort"] = list(dict.fromkeys(rebound))
    network["winrm_port"] = port


# --------------------------------------------------------------------------------------------------------------
# Files


def write_inventory(path: Path, hosts: Mapping[str, Mapping[str, Any]], groups: Iterable[str] = ()) -> None:
    """Write an Ansible YAML inventory: every host in group ``lab`` (and in each extra group), with its
    connection variables as host variables."""
    children: dict[str, Any] = {DEFAULT_GROUP: {"hosts": {name: dict(variables) for name, variables in hosts.items()}}}
    for group in groups:
        if group != DEFAULT_GROUP:
            children[group] = {"hosts": dict.fromkeys(hosts)}
    document = {"all": {"children": children}}
    text = "# Written by winlab (tests/lab): simulated Windows hosts on 127.0.0.1. Regenerated on every start.\n"
    text += yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file(path, text)


def write_private_file(path: Path, text: str) -> None:
    """Write atomically, readable only by the owner (the files hold the lab password)."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _saved_ports(state_dir: Path) -> dict[str, int]:
    try:
        saved = json.loads((state_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {str(name): int(port) for name, port in (saved.get("ports") or {}).items()}


def read_lab_info(state_dir: Path | str) -> dict[str, Any]:
    """lab.json of a running lab; LabNotRunning when there is none or its process is gone."""
    path = Path(state_dir) / LAB_FILE
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabNotRunning(f"no lab is running in {state_dir}") from None
    except ValueError as error:
        raise LabError(f"{path} is not valid JSON: {error}") from error
    if not process_alive(int(info["pid"])):
        raise LabNotRunning(f"the lab in {state_dir} is not running (process {info['pid']} is gone)")
    return info


def process_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


# --------------------------------------------------------------------------------------------------------------
# Client side


class LabClient:
    """Talks to a running lab through its control API (works for a daemon and for ``running_lab``)."""

    #: The Fleet itself when the lab runs in this process (``running_lab``), for tests that need direct access.
    fleet: Fleet | None = None

    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self.info = read_lab_info(self.state_dir)

    @property
    def inventory(self) -> Path:
        return Path(self.info["inventory"])

    @property
    def user(self) -> str:
        return str(self.info["user"])

    @property
    def password(self) -> str:
        return str(self.info["password"])

    @property
    def ca_cert(self) -> Path | None:
        return Path(self.info["ca_cert"]) if self.info.get("ca_cert") else None

    @property
    def pid(self) -> int:
        return int(self.info["pid"])

    def url(self, host: str) -> str:
        """The WS-Management endpoint URL of a host (for pywinrm)."""
        return str(self.info["hosts"][host]["url"])

    def hosts(self) -> dict[str, dict[str, Any]]:
        """Every host with port, scheme, url, profile and current fault."""
        return self._call("GET", "/hosts")

    def state(self, host: str) -> dict[str, Any]:
        """The host's simulated state (snapshot)."""
        return self._call("GET", f"/hosts/{host}/state")

    def set_state(self, host: str, state: Mapping[str, Any]) -> None:
        """Replace the host's simulated state."""
        self._call("PUT", f"/hosts/{host}/state", dict(state))

    def fault(self, host: str, mode: FaultMode | str, delay_ms: int = 0, command_ms: int = 0) -> dict[str, Any]:
        """Switch the host's simulated fault ("none" clears it); command_ms is for the latency mode."""
        body = {"mode": str(FaultMode(mode)), "delay_ms": delay_ms, "command_ms": command_ms}
        return self._call("POST", f"/hosts/{host}/fault", body)

    def stats(self, host: str | None = None) -> dict[str, Any]:
        """Request counters and the recent request log, of one host or of all hosts."""
        return self._call("GET", f"/hosts/{host}/stats" if host else "/stats")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the lab and wait until its ports are closed (and its process ended, for a daemon)."""
        with contextlib.suppress(LabError, OSError):
            self._call("POST", "/stop")
        deadline = time.monotonic() + timeout
        lab_file = self.state_dir / LAB_FILE
        while time.monotonic() < deadline:
            if self.pid == os.getpid():
                if not lab_file.exists():
                    return
            elif not process_alive(self.pid):
                _reap(self.pid)
                return
            else:
                _reap(self.pid)
            time.sleep(0.05)
        raise LabError(f"the lab in {self.state_dir} did not stop within {timeout:.0f}s")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.info['control_port']}{path}",
            data=data,
            method=method,
            headers={TOKEN_HEADER: self.info["token"], "Content-Type": "application/json"},
        )
        # The control API is on loopback: never route it through a proxy from the environment.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=CONTROL_TIMEOUT) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read()).get("error", str(error))
            except ValueError:
                message = str(error)
            raise LabError(f"{method} {path}: {message}") from None
        except urllib.error.URLError as error:
            raise LabError(f"cannot reach the lab control API: {error.reason}") from None


def _reap(pid: int) -> None:
    """Collect the exit status when the lab daemon is our own child (started in this process)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


@contextlib.contextmanager
def running_lab(
    state_dir: Path | str,
    hosts: Mapping[str, str],
    *,
    https: bool = False,
    user: str = DEFAULT_USER,
    password: str | None = None,
    groups: Iterable[str] = (),
    inventory: Path | str | None = None,
    resume: bool = False,
) -> Iterator[LabClient]:
    """Run a lab in this process (threads) for the duration of a ``with`` block and yield a client for it.

    ``hosts`` maps inventory names to profile names or profile JSON paths.
    """
    config = LabConfig(
        state_dir=Path(state_dir),
        hosts=[HostSpec(name, profile) for name, profile in hosts.items()],
        https=https,
        user=user,
        groups=list(groups),
        inventory=Path(inventory) if inventory else None,
        resume=resume,
    )
    if password is not None:
        config.password = password
    fleet = Fleet(config)
    fleet.start()
    try:
        client = LabClient(config.state_dir)
        client.fleet = fleet
        yield client
    finally:
        fleet.stop()
