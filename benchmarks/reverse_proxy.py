"""nginx (Debian's nginx-light) in front of several dashboard instances, as docs/deployment.md configures
it: WebSockets passed through, and each person kept on one instance (a Streamlit session lives on one
instance's WebSocket, and its uploads and downloads must reach the same one) by hashing the signed-in
identity the authenticating proxy's header carries.

    with reverse_proxy([8601, 8602], folder) as url: ...
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from benchmarks.harness import HEADER, free_port

CONFIG = """
daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream dashboard {{
        hash $http_{header} consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 200m;
        location / {{
            proxy_pass http://dashboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 3600s;
        }}
    }}
}}
"""


@contextlib.contextmanager
def reverse_proxy(ports: list[int], folder: Path, timeout: float = 30):
    """Serve the instances on these loopback ports behind nginx; yield its base URL."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed: `make bench-shared` installs Debian's nginx-light package")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(CONFIG.format(
        folder=folder, port=port, header=HEADER.lower().replace("-", "_"),
        user="user root;" if os.geteuid() == 0 else "",
        servers="\n".join(f"        server 127.0.0.1:{p};" for p in ports)))
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(config)], stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {process.stderr.read() if process.poll() else ''}"
                                       ) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
