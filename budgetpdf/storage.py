"""Where bytes live: input PDFs and the dataset, in a local folder or an object store.

Inputs and the output dataset may be local paths or fsspec URLs (``s3://bucket/prefix``,
``gs://…``, ``memory://…``). A URL's filesystem comes from fsspec (``s3fs`` for S3: the
``s3`` extra) and is configured the usual fsspec/boto way (``AWS_ACCESS_KEY_ID``,
``AWS_ENDPOINT_URL`` for an S3-compatible store, ``~/.aws/config``); pyarrow reads and
writes Parquet through the same filesystem.

``open_store(root)`` gives the dataset writer (``Dataset``) one small interface over two
backends; keys are ``/``-separated and relative to the dataset root
(``documents/part-….parquet``, ``_pending/doc-….json``):

``LocalStore`` (a local path: exactly the behaviour of a plain folder before URLs existed)
    A file lands with temp file → fsync → ``os.replace`` → fsync of its folder, so it is
    absent, old or complete after a crash or power cut. The writer lock is
    ``fcntl.flock`` on ``_lock``, released by the kernel when the holder dies.

``ObjectStore`` (a URL) — an object store has neither rename nor flock. What the commit
protocol relies on instead:

* **Single-object PUT atomicity.** An object becomes visible whole or not at all (a
  single PUT, or a multipart upload on completion). Every part file and journal entry is
  therefore written straight under its final key with one PUT: there is no temp file to
  rename. Overwriting a compacted file in place is one PUT too.
* **Strong read-after-write and list-after-write consistency** (S3 since December 2020;
  GCS; Azure Blob), so ``recover()`` lists every journal entry and part a killed run
  wrote, and a reader never lists an object it then cannot read.
* **The journal**, unchanged: a document is journaled before its first part is written and
  the entry is deleted after its documents row; ``recover()`` undoes what is journaled.
  Compaction's one rename (merged temp object → ``compact-….parquet``) becomes a
  server-side copy then a delete of the temp object, both after the compaction journal
  entry, so ``recover()`` rolls an interrupted one forward as on a local folder.
* **A lock object** ``_lock`` created with a conditional write (``If-None-Match: *``:
  S3 since 2024, MinIO, moto; through ``s3fs``'s ``pipe_file(mode="create")``), holding an
  owner token, host, pid and a lease that a heartbeat thread renews every
  ``LEASE_SECONDS / 4``. The lock is released by deleting it. A lock whose lease has run out
  (the holder was killed; ``kill -9`` leaves the object behind), or whose holder is a dead
  process on this host, is taken over: deleted, created again conditionally, and read back
  after a pause to confirm the token. A writer whose heartbeat finds another token (it was
  paused longer than the lease and someone took over) stops before its next commit with
  ``DatasetLocked``. Leases compare wall clocks: hosts need NTP-level agreement. Where a
  filesystem has no conditional create (fsspec's default is check-then-write), two runs
  started in the same instant could both win: run one writer per dataset there.

Durability on an object store is the store's: a PUT that returned is durable; there is
nothing to fsync.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Iterator

import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq

LOCK = "_lock"
LEASE_ENV = "BUDGETPDF_LOCK_LEASE"  # seconds; a lock object whose lease ran out is taken over
LEASE_SECONDS = 60.0


class DatasetLocked(RuntimeError):
    """Another process is writing to the same dataset (or this one lost its lock)."""


def is_url(location: str | os.PathLike) -> bool:
    """``s3://bucket/x`` and other fsspec URLs; a plain path (even with a colon) is not."""
    return isinstance(location, str) and "://" in location


def url_fs(url: str):
    """(fsspec filesystem, path inside it) for a URL.

    Listing caches are off: other processes (a killed writer, a compaction) change the
    store, and ``recover()`` and readers must see what is there now."""
    from fsspec.core import url_to_fs

    return url_to_fs(url, use_listings_cache=False)


# -- inputs ------------------------------------------------------------------------------


def find_input_urls(url: str) -> list[str]:
    """PDF objects at ``url`` (one object, or every ``*.pdf`` below a prefix), as URLs."""
    fs, path = url_fs(url)
    if fs.isdir(path):
        found = sorted(p for p in fs.find(path) if p.lower().endswith(".pdf"))
        return [fs.unstrip_protocol(p) for p in found]
    if fs.exists(path):
        return [url]
    raise FileNotFoundError(f"no such file or prefix: {url}")


def open_input(source: str | os.PathLike) -> IO[bytes]:
    """Open an input file (path or URL) for reading bytes."""
    if is_url(source):
        import fsspec

        return fsspec.open(str(source), "rb").open()
    return open(source, "rb")


def sha256_of(source: str | os.PathLike) -> str | None:
    """SHA-256 of an input's bytes (hex), or None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open_input(source) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except (OSError, ValueError):
        return None
    return h.hexdigest()


@contextlib.contextmanager
def local_copy(source: str | os.PathLike) -> Iterator[Path]:
    """A local path with the input's bytes: the path itself, or a temp copy of a URL's object
    (removed afterwards). The PDF parsers need a seekable local file. Raises OSError."""
    if not is_url(source):
        yield Path(source)
        return
    fd, tmp = tempfile.mkstemp(prefix="budgetpdf-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as out, open_input(source) as f:
            shutil.copyfileobj(f, out, 1 << 20)
        yield Path(tmp)
    finally:
        os.unlink(tmp)


# -- the dataset's stores ----------------------------------------------------------------


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True)
    return sink.getvalue().to_pybytes()


class LocalStore:
    """A dataset in a local folder (POSIX: rename is atomic within a folder, flock locks)."""

    concurrent_writes = False

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.filesystem = None  # pyarrow's local filesystem

    def __str__(self) -> str:
        return str(self.root)

    def location(self, key: str) -> str:
        return str(self.root / key)

    def list(self, folder: str) -> list[str]:
        """Names of the files directly in ``folder`` (sorted; [] when it does not exist)."""
        d = self.root / folder
        return sorted(p.name for p in d.iterdir() if p.is_file()) if d.is_dir() else []

    def exists(self, key: str) -> bool:
        return (self.root / key).exists()

    def size(self, key: str) -> int:
        return (self.root / key).stat().st_size

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def _tmp(self, path: Path) -> Path:
        return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")

    def write_table(self, table: pa.Table, key: str) -> None:
        """Temp file, fsync, rename, fsync of the folder: the file is old or complete after a crash."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp(path)
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True)
        _fsync_path(tmp)
        os.replace(tmp, path)
        _fsync_path(path.parent)

    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        """Several files, one after the other (each atomic and durable on its own)."""
        for key, table in tables.items():
            self.write_table(table, key)

    def write_json(self, obj: dict, key: str) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp(path)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_path(path.parent)

    def read_json(self, key: str) -> dict:
        return json.loads((self.root / key).read_text("utf-8"))

    def read_table(self, key: str, columns: list[str] | None = None, schema: pa.Schema | None = None) -> pa.Table:
        return pq.read_table(self.root / key, columns=columns, schema=schema)

    def dataset(self, keys: list[str], schema: pa.Schema | None = None) -> pds.Dataset:
        return pds.dataset([self.location(k) for k in keys], format="parquet", schema=schema)

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[IO[bytes]]:
        """A stream for a hidden temp file (compaction); synced to disk when closed."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            yield f
        _fsync_path(path)

    def move(self, src: str, dst: str) -> None:
        os.replace(self.root / src, self.root / dst)

    def check_lock(self) -> None:
        pass  # flock cannot be lost while the process lives

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writer lock: flock on ``_lock`` (released by the kernel if the process dies)."""
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DatasetLocked(f"another budgetpdf process is writing to {self.root}") from None
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


class ObjectStore:
    """A dataset under an fsspec URL (an object store: PUT is atomic per object, no rename).

    See the module docstring for what each operation relies on.
    """

    concurrent_writes = True  # write_tables sends its PUTs at once

    def __init__(self, url: str):
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        self.url = url.rstrip("/")
        self.fs, self.base = url_fs(self.url)
        self.base = self.base.rstrip("/")
        self.filesystem = PyFileSystem(FSSpecHandler(self.fs))
        self.root = self.url
        self._token: str | None = None
        self._lost = threading.Event()

    def __str__(self) -> str:
        return self.url

    def location(self, key: str) -> str:
        return f"{self.base}/{key}"

    def list(self, folder: str) -> list[str]:
        try:
            entries = self.fs.ls(self.location(folder), detail=True, refresh=True)
        except FileNotFoundError:
            return []
        return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "file")

    def exists(self, key: str) -> bool:
        return self.fs.exists(self.location(key))

    def size(self, key: str) -> int:
        return self.fs.size(self.location(key))

    def delete(self, key: str) -> None:
        try:
            self.fs.rm_file(self.location(key))
        except FileNotFoundError:
            pass

    def write_table(self, table: pa.Table, key: str) -> None:
        """One PUT of the whole file under its final key (visible whole or not at all)."""
        self.fs.pipe_file(self.location(key), parquet_bytes(table))

    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        """Several objects, one PUT each, sent concurrently (one round trip of latency for
        all, on async filesystems such as s3fs); each is atomic on its own."""
        if tables:
            self.fs.pipe({self.location(k): parquet_bytes(t) for k, t in tables.items()})

    def write_json(self, obj: dict, key: str) -> None:
        self.fs.pipe_file(self.location(key), json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def read_json(self, key: str) -> dict:
        return json.loads(self.fs.cat_file(self.location(key)).decode("utf-8"))

    def read_table(self, key: str, columns: list[str] | None = None, schema: pa.Schema | None = None) -> pa.Table:
        return pq.read_table(self.location(key), columns=columns, schema=schema, filesystem=self.filesystem)

    def dataset(self, keys: list[str], schema: pa.Schema | None = None) -> pds.Dataset:
        return pds.dataset([self.location(k) for k in keys], format="parquet", schema=schema,
                           filesystem=self.filesystem)

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[IO[bytes]]:
        """A stream to a (hidden) object; it appears when the stream closes (multipart complete)."""
        with self.fs.open(self.location(key), "wb") as f:
            yield f

    def move(self, src: str, dst: str) -> None:
        """No rename on an object store: server-side copy, then delete the source (the
        compaction journal makes the pair restartable)."""
        self.fs.copy(self.location(src), self.location(dst))
        self.delete(src)

    # -- the lock object ---------------------------------------------------------------

    def _lease(self) -> float:
        return float(os.environ.get(LEASE_ENV, LEASE_SECONDS))

    def _lock_body(self) -> bytes:
        return json.dumps({"token": self._token, "host": socket.gethostname(), "pid": os.getpid(),
                           "expires": time.time() + self._lease()}).encode()

    def _create_lock(self) -> bool:
        try:
            self.fs.pipe_file(self.location(LOCK), self._lock_body(), mode="create")
            return True
        except FileExistsError:
            return False

    def _held(self) -> dict | None:
        try:
            return json.loads(self.fs.cat_file(self.location(LOCK)))
        except FileNotFoundError:
            return None
        except ValueError:
            return {}  # unreadable: treated as stale

    @staticmethod
    def _stale(held: dict) -> bool:
        if held.get("expires", 0) < time.time():
            return True
        if held.get("host") == socket.gethostname():
            import psutil

            return not psutil.pid_exists(held.get("pid", -1))
        return False

    def _acquire(self) -> None:
        self._token = uuid.uuid4().hex
        if self._create_lock():
            return
        held = self._held()
        if held is not None and not self._stale(held):
            until = time.strftime("%H:%M:%S", time.localtime(held.get("expires", 0)))
            raise DatasetLocked(f"another budgetpdf process is writing to {self.url} "
                                f"(host {held.get('host')}, pid {held.get('pid')}, lease until {until})")
        self.delete(LOCK)  # the holder is gone: take the lock over
        if not self._create_lock():
            raise DatasetLocked(f"another budgetpdf process took the lock of {self.url} first")
        time.sleep(min(1.0, self._lease() / 10))  # a racing taker-over would have overwritten us by now
        if (self._held() or {}).get("token") != self._token:
            raise DatasetLocked(f"another budgetpdf process took the lock of {self.url} first")

    def _heartbeat(self, stop: threading.Event) -> None:
        while not stop.wait(self._lease() / 4):
            try:
                held = self._held()
                if (held or {}).get("token") != self._token:
                    self._lost.set()
                    return
                self.fs.pipe_file(self.location(LOCK), self._lock_body())
            except Exception:  # a network blip: try again next beat; the lease covers 4 beats
                continue

    def check_lock(self) -> None:
        if self._lost.is_set():
            raise DatasetLocked(f"lost the writer lock of {self.url} (lease ran out; another process took it)")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the lock object ``_lock`` (conditional create; leased, renewed by a heartbeat)."""
        self._acquire()
        self._lost.clear()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(stop,), daemon=True, name="budgetpdf-lock")
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join()
            if (self._held() or {}).get("token") == self._token:
                self.delete(LOCK)


Store = LocalStore | ObjectStore


def open_store(root: str | os.PathLike) -> Store:
    """The store for a dataset root: ``ObjectStore`` for a URL, else ``LocalStore``."""
    return ObjectStore(str(root)) if is_url(root) else LocalStore(root)


__all__ = ["DatasetLocked", "LocalStore", "ObjectStore", "Store", "find_input_urls", "is_url", "local_copy",
           "open_input", "open_store", "sha256_of"]
