"""Services some tests start and stop themselves, on loopback only: an S3 emulation (moto's
server mode) and a Dask cluster (a ``dask scheduler`` and two ``dask worker`` processes)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SLOW_FILE = "slow.pdf"  # the Dask workers take 8 s over this file name (to be killed mid-file)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, f"service exited with {proc.returncode}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def s3_env():
    """A moto S3 server on a free loopback port; the AWS variables that point boto/s3fs at it
    are set for this process and the processes it starts. Yields those variables."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    port = free_port()
    proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        wait_port(port, proc)
        yield env
    finally:
        stop(proc)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def dask_scheduler(s3_env):
    """``dask scheduler`` + two ``dask worker`` processes (one thread each, with nannies) on
    loopback; the workers reach the S3 emulation and take 8 s over files named ``slow.pdf``.
    Yields the scheduler address."""
    pytest.importorskip("distributed")
    from budgetpdf.batch import FAULTS_ENV

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", f"127.0.0.1:{free_port()}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, **s3_env, FAULTS_ENV: json.dumps({SLOW_FILE: "sleep:8"})}
    workers = [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                                 "--no-dashboard", "--memory-limit", "2GiB", "--name", f"w{i}"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for i in range(2)]
    try:
        wait_port(port, scheduler)
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=180)
        yield address
    finally:
        for p in workers:
            stop(p)
        stop(scheduler)
