"""The production topology on one machine, every service on loopback: PostgreSQL,
Redis (Debian's ``redis-server``), an S3-compatible store (moto's server, from the
project's test dependencies), two gunicorn "hosts" (separate processes on their own
ports, sharing nothing but those services and the secret key), the job worker
(``flask jobs worker``, on Redis) and nginx (Debian's) in front, load-balancing and
compressing with the configuration the README documents.

    make cluster                                  # start (demo data on first start)
    make cluster-stop
    .venv/bin/python deploy/cluster.py start --dir instance/cluster --port 8100
    .venv/bin/python deploy/cluster.py status
    .venv/bin/python deploy/cluster.py kill-host a    # what a crashed host looks like

Ports from ``--port`` (P): nginx P, hosts P+1 and P+2, Redis P+3, S3 P+4, PostgreSQL
P+5 (unless ``--database-url`` names a server to use). Logs and state are under
``--dir``. PostgreSQL's data stays there between starts; run as root, the server runs
as the ``postgres`` user on a temporary folder, removed at stop.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOSTS = ("a", "b")
BUCKET = "taawun"
STATE = "cluster.json"


# -- nginx -------------------------------------------------------------------------------
def documented_nginx() -> str:
    """The nginx configuration shown in the README between its markers."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- nginx:begin -->\s*```nginx\n(.*?)```\s*<!-- nginx:end -->", readme, re.S
    )
    if block is None:
        raise SystemExit("the README shows the nginx configuration between its markers")
    return block.group(1)


def nginx_conf(folder: Path, port: int, upstreams: list[int]) -> Path:
    """Write ``folder/nginx.conf``: the documented configuration listening on loopback
    ``port``, passing to the app on ``upstreams`` (the documented hosts, in order),
    with its cache, temporary files and logs in ``folder``. The access log names the
    hosts each request was passed to (:func:`answered_by`)."""
    config = (
        documented_nginx()
        .replace("/var/cache/nginx/taawun", str(folder / "cache"))
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("/srv/taawun/storefront/static/", f"{ROOT / 'storefront' / 'static'}/")
    )
    documented = re.findall(r"server (127\.0\.0\.1:\d+)", config)
    for address, upstream in zip(documented, upstreams, strict=False):
        config = config.replace(f"server {address}", f"server 127.0.0.1:{upstream}", 1)
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    path = folder / "nginx.conf"
    path.write_text(
        # started by root, workers would drop to a user who cannot write here
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'logs' / 'error.log'};\n"
        "events {}\n"
        "http {\ninclude /etc/nginx/mime.types;\n"
        "log_format upstream '$request_method $request_uri $status|$upstream_addr';\n"
        f"access_log {folder / 'logs' / 'access.log'} upstream;\n"
        f"client_body_temp_path {folder / 'body'};\nproxy_temp_path {folder / 'proxy'};\n"
        f"{config}}}\n"
    )
    return path


def answered_by(folder: Path) -> list[tuple[str, str, list[str]]]:
    """(method and path, status, the hosts nginx passed it to in turn: none when its
    cache answered) of each request of the cluster started from ``folder``, in the
    order they ended."""
    log = folder / "nginx" / "logs" / "access.log"
    found = []
    for line in log.read_text().splitlines():
        request, upstreams = line.rsplit("|", 1)
        request, status = request.rsplit(" ", 1)
        hosts = [] if upstreams == "-" else upstreams.split(", ")
        found.append((request, status, hosts))
    return found


# -- processes -----------------------------------------------------------------------------
def _spawn(folder: Path, name: str, command: list[str], env: dict[str, str]) -> int:
    """Start ``command`` in its own process group (so it and its children stop together),
    its output in ``logs/<name>.log``; its pid."""
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    with (folder / "logs" / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _children[process.pid] = process
    return process.pid


#: the processes this one started (the others are found by pid)
_children: dict[int, subprocess.Popen[bytes]] = {}


def _alive(pid: int) -> bool:
    if pid in _children:
        if _children[pid].poll() is None:
            return True
        del _children[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _end(pid: int, sig: int = signal.SIGTERM, wait: float = 15.0) -> None:
    """Send ``sig`` to the process group ``pid`` leads; SIGKILL if still there after
    ``wait`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + wait
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        time.sleep(0.05)


def _wait_for(what: str, check: Callable[[], bool], pid: int | None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(Exception):
            if check():
                return
        if time.monotonic() > deadline or (pid is not None and not _alive(pid)):
            raise RuntimeError(f"{what} did not start (see its log)")
        time.sleep(0.1)


def _answers(url: str) -> Callable[[], bool]:
    import requests

    return lambda: requests.get(url, timeout=5).status_code == 200


# -- PostgreSQL ------------------------------------------------------------------------------
def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _start_postgres(folder: Path, port: int) -> dict[str, Any]:
    pg = _pg_bin()
    if os.geteuid() == 0:
        # the server refuses to run as root: the postgres user needs a folder it can reach
        home = Path(tempfile.mkdtemp(prefix="taawun-cluster-pg-"))
        home.chmod(0o755)
        shutil.chown(home, "postgres")
    else:
        home = folder / "postgres"
        home.mkdir(parents=True, exist_ok=True)
    data = home / "data"
    fresh = not data.exists()
    if fresh:
        subprocess.run(
            _as_postgres(
                [str(pg / "initdb"), "-D", str(data), "-U", "taawun", "-A", "trust"]
                + ["--encoding=UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {home} -c max_connections=200"
    subprocess.run(
        _as_postgres(
            [str(pg / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w"]
            + ["-o", options, "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if fresh:
        subprocess.run(
            _as_postgres(
                [str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port)]
                + ["-U", "taawun", "taawun"]
            ),
            check=True,
        )
    return {"data": str(data), "temporary": os.geteuid() == 0}


def _stop_postgres(postgres: dict[str, Any]) -> None:
    data = Path(postgres["data"])
    subprocess.run(
        _as_postgres([str(_pg_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
    )
    if postgres["temporary"]:
        shutil.rmtree(data.parent, ignore_errors=True)


# -- the cluster -----------------------------------------------------------------------------
def _state(folder: Path) -> dict[str, Any]:
    path = folder / STATE
    if not path.exists():
        raise SystemExit(f"no cluster in {folder}")
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def _save(folder: Path, state: dict[str, Any]) -> None:
    (folder / STATE).write_text(json.dumps(state, indent=2))


def app_env(folder: Path, state: dict[str, Any], host: str) -> dict[str, str]:
    """The environment of one host (or of the worker, or of a command run against the
    cluster): the same database, Redis, bucket and secret key everywhere."""
    secret = folder / "secret_key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48))
        secret.chmod(0o600)
    env = dict(
        os.environ,
        TAAWUN_SQLALCHEMY_DATABASE_URI=state["database_url"],
        TAAWUN_SECRET_KEY=secret.read_text().strip(),
        TAAWUN_REDIS_URL=state["redis_url"],
        TAAWUN_S3_BUCKET=BUCKET,
        TAAWUN_S3_ENDPOINT_URL=state["s3_url"],
        TAAWUN_S3_ACCESS_KEY_ID="cluster",
        TAAWUN_S3_SECRET_ACCESS_KEY="cluster",  # noqa: S106 (moto takes any)
        # nginx sets X-Forwarded-For: rate limits count the visitor's address
        TAAWUN_TRUSTED_PROXIES="1",
        TAAWUN_UPLOAD_FOLDER=str(folder / host / "uploads"),
    )
    env.update(state.get("settings", {}))
    return env


def start(
    folder: Path,
    port: int,
    *,
    database_url: str | None = None,
    demo: bool = True,
    workers: int = 2,
    settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start every service, wait until each answers; the cluster's state (its URLs and
    processes), also written to ``folder/cluster.json``."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / STATE).exists():
        raise SystemExit(f"a cluster already runs from {folder}: stop it first")
    state: dict[str, Any] = {
        "url": f"http://127.0.0.1:{port}",
        "hosts": {name: f"http://127.0.0.1:{port + 1 + i}" for i, name in enumerate(HOSTS)},
        "redis_url": f"redis://127.0.0.1:{port + 3}/0",
        "s3_url": f"http://127.0.0.1:{port + 4}",
        "settings": settings or {},
        "pids": {},
        "postgres": None,
    }
    _save(folder, state)
    try:
        _start_services(folder, port, state, database_url, demo, workers)
    except BaseException:
        stop(folder)
        raise
    return state


def _start_services(
    folder: Path,
    port: int,
    state: dict[str, Any],
    database_url: str | None,
    demo: bool,
    workers: int,
) -> None:
    from redis import Redis

    pids = state["pids"]
    if database_url is None:
        state["postgres"] = _start_postgres(folder, port + 5)
        database_url = f"postgresql+psycopg://taawun@127.0.0.1:{port + 5}/taawun"
    state["database_url"] = database_url
    _save(folder, state)

    pids["redis"] = _spawn(
        folder,
        "redis",
        ["redis-server", "--port", str(port + 3), "--bind", "127.0.0.1", "--dir", str(folder)]
        + ["--save", "", "--appendonly", "no"],
        dict(os.environ),
    )
    _save(folder, state)
    _wait_for(
        "redis-server", lambda: bool(Redis.from_url(state["redis_url"]).ping()), pids["redis"]
    )

    pids["s3"] = _spawn(
        folder,
        "s3",
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port + 4)],
        dict(os.environ),
    )
    _save(folder, state)
    _wait_for("moto_server", _answers(f"{state['s3_url']}/moto-api/"), pids["s3"])

    env = app_env(folder, state, "setup")
    from storefront.media import s3_client

    s3_client({"S3_ENDPOINT_URL": state["s3_url"], "S3_ACCESS_KEY_ID": "cluster",
               "S3_SECRET_ACCESS_KEY": "cluster"}).create_bucket(Bucket=BUCKET)  # fmt: skip
    flask = [str(BIN / "flask"), "--app", "storefront"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True)
    if demo:
        subprocess.run([*flask, "seed-demo", "--if-empty"], env=env, cwd=ROOT, check=True)

    for name, url in state["hosts"].items():
        bind = url.removeprefix("http://")
        pids[f"host-{name}"] = _spawn(
            folder,
            f"host-{name}",
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", bind]
            + ["--log-level", "warning", "storefront:create_app()"],
            app_env(folder, state, f"host-{name}"),
        )
        _save(folder, state)
    for name, url in state["hosts"].items():
        _wait_for(f"host {name}", _answers(f"{url}/fr/regions"), pids[f"host-{name}"])

    pids["worker"] = _spawn(
        folder, "worker", [*flask, "jobs", "worker"], app_env(folder, state, "worker")
    )
    _save(folder, state)

    conf = nginx_conf(folder / "nginx", port, [port + 1, port + 2])
    pids["nginx"] = _spawn(
        folder,
        "nginx",
        [NGINX, "-p", str(folder / "nginx"), "-c", str(conf), "-g", "daemon off;"],
        dict(os.environ),
    )
    _save(folder, state)
    _wait_for("nginx", _answers(f"{state['url']}/robots.txt"), pids["nginx"])


def kill_host(folder: Path, name: str) -> None:
    """Kill host ``name`` at once (SIGKILL to its master and workers), as a crash would."""
    state = _state(folder.resolve())
    _end(state["pids"][f"host-{name}"], signal.SIGKILL)


def stop(folder: Path) -> None:
    """Stop every service of the cluster started from ``folder`` (the last started first)."""
    folder = folder.resolve()
    state = _state(folder)
    pids = list(state["pids"].values())
    for pid in reversed(pids):  # nginx first: no request reaches a host stopping
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    for pid in pids:
        _end(pid)
    if state.get("postgres"):
        _stop_postgres(state["postgres"])
    (folder / STATE).unlink()


def status(folder: Path) -> dict[str, bool]:
    state = _state(folder.resolve())
    return {name: _alive(pid) for name, pid in state["pids"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status", "kill-host"])
    parser.add_argument("host", nargs="?", choices=HOSTS, help="for kill-host")
    parser.add_argument("--dir", type=Path, default=ROOT / "instance" / "cluster")
    parser.add_argument("--port", type=int, default=8100, help="nginx's; the others follow")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to use instead of starting one"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    args = parser.parse_args()
    if args.action == "start":
        state = start(
            args.dir, args.port, database_url=args.database_url, demo=not args.no_demo,
            workers=args.workers,
        )  # fmt: skip
        print(f"shop: {state['url']}/  (hosts {', '.join(state['hosts'].values())})")
        print(f"logs: {args.dir / 'logs'}; stop with: make cluster-stop")
    elif args.action == "stop":
        stop(args.dir)
    elif args.action == "status":
        for name, alive in status(args.dir).items():
            print(f"{name}: {'running' if alive else 'stopped'}")
    else:
        if args.host is None:
            parser.error("kill-host needs a host: a or b")
        kill_host(args.dir, args.host)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
