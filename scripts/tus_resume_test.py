#!/usr/bin/env python3
"""A real tus client (tuspy) uploads footage to `roadwarden serve`, the server is killed
(SIGKILL) in the middle of a PATCH, restarted on the same data directory and port, and the
client resumes: a fresh uploader finds the upload URL in its URL store, asks the server for the
offset (HEAD) and sends the rest. Passes when

* after each restart the server's offset is at least what it had acknowledged before the kill
  (acknowledged bytes are durable) and below what had reached the part file (the unsynced tail
  is cut off, not trusted);
* the upload completes, and the stored footage (GET /api/v1/evidence/{id} as the uploader) has
  the local file's length and SHA-256.

Exits non-zero on any failure. The accounts are made with the CLI, as an operator would:
`roadwarden unit create`, `roadwarden user create` (temporary password), then the first
sign-in changes the password over the API.

    python3 -m pip install tuspy
    cargo build --release -p roadwarden-cli
    python3 scripts/tus_resume_test.py                        # 200 MiB, 8 MiB chunks, 1 kill
    python3 scripts/tus_resume_test.py --size-mib 64 --kills 2 --bin target/debug/roadwarden
"""

import argparse
import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

try:
    import requests
    from tusclient import client as tus_client
    from tusclient.storage.filestorage import FileStorage
except ImportError:
    sys.exit("tus_resume_test: needs tuspy (python3 -m pip install tuspy)")

MIB = 1 << 20
# The server writes and hashes in 4 MiB steps (services/evidence/upload.rs, CHUNK).
SERVER_STEP = 4 * MIB
PASSWORD = "Tus-Resume-Passw0rd!"


def log(msg):
    print(f"[tus-resume {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def cn_id(n):
    """A valid Chinese resident identity number (the testkit's cn_id)."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    first17 = f"330522198{n % 10}0{1 + n % 9}15{n % 1000:03}"
    total = sum(int(c) * k for c, k in zip(first17, w))
    return first17 + "10X98765432"[total % 11]


class Server:
    """`roadwarden serve` as a child process, stopped by its own pid only."""

    def __init__(self, binary, config, log_path):
        self.binary, self.config, self.log_path = binary, config, log_path
        self.proc = None
        self.base = None

    def start(self, bind="127.0.0.1:0"):
        log_file = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.binary, "--config", self.config, "serve", "--bind", bind],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
        deadline = time.time() + 60
        for line in self.proc.stdout:
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.base = m.group(1)
                break
            if time.time() > deadline:
                break
        if not self.base or self.proc.poll() is not None:
            raise RuntimeError(f"the server did not start; see {self.log_path}")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=lambda p=self.proc: [None for _ in p.stdout], daemon=True).start()
        return self.base

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def cli(binary, config, *args):
    out = subprocess.run(
        [binary, "--config", config, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"roadwarden {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def make_accounts(binary, config):
    """A province, and its first operator made as an operator would: the console makes only a
    tree's first admin (SEC-03), who here is also its recorder administrator; returns
    (username, temporary password)."""
    cli(binary, config, "unit", "create", "--code", "330000", "--name", "Tus Province",
        "--level", "province", "--country", "CN")
    out = cli(binary, config, "user", "create", "--unit", "330000", "--username", "tus.recadmin",
              "--full-name", "Tus Recorder Admin", "--id-number", cn_id(31),
              "--badge-number", "T00031", "--role", "admin", "--role", "recorder_admin",
              "--agreement-ref", "TUS-1",
              "--agreement-signed", "2026-01-01")
    m = re.search(r"temporary password[^:]*: (\S+)", out)
    if not m:
        raise RuntimeError(f"no temporary password in:\n{out}")
    return "tus.recadmin", m.group(1)


def first_sign_in(base, username, temporary):
    """SEC-02: the first sign-in must change the temporary password."""
    r = requests.post(f"{base}/api/v1/auth/token",
                      json={"username": username, "password": temporary})
    r.raise_for_status()
    token = r.json()["token"]
    if r.json().get("must_change_password"):
        r = requests.post(f"{base}/api/v1/auth/password",
                          headers={"Authorization": f"Bearer {token}"},
                          json={"current_password": temporary, "new_password": PASSWORD})
        if r.status_code != 204:
            raise RuntimeError(f"password change: {r.status_code} {r.text}")
        r = requests.post(f"{base}/api/v1/auth/token",
                          json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        token = r.json()["token"]
    return token


def make_file(path, size):
    """A synthetic MP4 (a real `ftyp` box, then random bytes); returns its SHA-256."""
    digest = hashlib.sha256()
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    with open(path, "wb") as f:
        left = size
        first = True
        while left > 0:
            block = os.urandom(min(SERVER_STEP, left))
            if first:
                block = head + block[len(head):]
                first = False
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def uploader_for(base, token, path, chunk, storage, metadata):
    c = tus_client.TusClient(f"{base}/api/v1/evidence/uploads",
                             headers={"Authorization": f"Bearer {token}"})
    return c.uploader(path, chunk_size=chunk, metadata=metadata, store_url=True,
                      url_storage=storage, retries=0)


def part_size(uploads_dir):
    parts = glob.glob(os.path.join(uploads_dir, "*.part"))
    return os.path.getsize(parts[0]) if parts else 0


def head_offset(url, token):
    r = requests.head(url, headers={"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"})
    if r.status_code != 200:
        raise RuntimeError(f"HEAD {url}: {r.status_code}")
    return int(r.headers["upload-offset"])


def run(args):
    work = tempfile.mkdtemp(prefix="rw-tus-resume-", dir=args.dir)
    data = os.path.join(work, "data")
    config = os.path.join(work, "roadwarden.toml")
    with open(config, "w") as f:
        f.write(f'data_dir = "{data}"\n\n[log]\nlevel = "warn"\n')
    server = Server(args.bin, config, os.path.join(work, "server.log"))
    try:
        size = args.size_mib * MIB
        chunk = args.chunk_mib * MIB
        path = os.path.join(work, "DSC_0001.MP4")
        sha = make_file(path, size)
        log(f"file {size} bytes, sha256 {sha}; work directory {work}")
        username, temporary = make_accounts(args.bin, config)
        base = server.start()
        port_bind = base.removeprefix("http://")
        token = first_sign_in(base, username, temporary)
        log(f"server pid {server.proc.pid} on {base}; {username} signed in")

        now = datetime.now(timezone.utc).replace(microsecond=0)
        ended = now - timedelta(hours=1)
        metadata = {
            "officer": username,
            "activity": "roadside_inspection",
            "started_at": (ended - timedelta(minutes=30)).isoformat(),
            "ended_at": ended.isoformat(),
            "handed_in_at": (now - timedelta(minutes=1)).isoformat(),
            "place": "G60 K123",
            "filename": "DSC_0001.MP4",
            "sha256": sha,
        }
        storage = FileStorage(os.path.join(work, "tus-urls.json"))
        uploads_dir = os.path.join(data, "uploads")
        started = time.time()
        for k in range(1, args.kills + 1):
            # Kill half-way through a PATCH: once the server has written the first 4 MiB step
            # of the chunk that holds this fraction of the file.
            frac = k / (args.kills + 1)
            threshold = (int(frac * size) // chunk) * chunk + min(SERVER_STEP, chunk // 2)
            up = uploader_for(base, token, path, chunk, storage, metadata)
            log(f"kill {k}: uploader starts at offset {up.offset} ({up.url or 'new upload'}); "
                f"SIGKILL once the part file reaches {threshold}")
            killed = {}
            done = threading.Event()

            def watch():
                while server.proc.poll() is None and not done.is_set():
                    n = part_size(uploads_dir)
                    if n >= threshold:
                        killed["part_bytes"] = n
                        server.kill()
                        return
                    time.sleep(0.002)

            watcher = threading.Thread(target=watch)
            watcher.start()
            finished = False
            try:
                up.upload()
                finished = True
            except Exception as e:  # the connection broke: what a client sees
                log(f"client saw: {type(e).__name__}: {str(e)[:120]}")
            done.set()
            watcher.join()
            if finished:
                raise RuntimeError("the upload finished before the server was killed; "
                                   "use a larger --size-mib")
            acked = up.offset
            on_disk = killed.get("part_bytes", 0)
            log(f"server killed with {on_disk} bytes in the part file; "
                f"the client had {acked} acknowledged")
            server.start(bind=port_bind)
            resumed_at = head_offset(up.url, token)
            log(f"restarted (pid {server.proc.pid}); HEAD says offset {resumed_at}")
            if resumed_at < acked:
                raise RuntimeError(f"acknowledged bytes lost: offset {resumed_at} < {acked}")
            if resumed_at > on_disk or resumed_at >= size:
                raise RuntimeError(f"offset {resumed_at} trusts bytes that were not synced "
                                   f"({on_disk} in the part file)")
        # The client comes back: a new uploader finds the URL in its store and asks for the
        # offset.
        up = uploader_for(base, token, path, chunk, storage, metadata)
        if up.url is None:
            raise RuntimeError("the uploader did not find its upload URL in the store")
        log(f"resuming {up.url} from offset {up.offset}")
        up.upload()
        headers = up.request.response_headers
        evidence_id = headers.get("x-evidence-id")
        if up.offset != size or not evidence_id:
            raise RuntimeError(f"upload ended at {up.offset} of {size}; "
                               f"footage id {evidence_id!r}")
        elapsed = time.time() - started
        r = requests.get(f"{base}/api/v1/evidence/{evidence_id}",
                         headers={"Authorization": f"Bearer {token}"})
        r.raise_for_status()
        stored = r.json()["evidence"]
        if stored["sha256"] != sha or int(stored["length"]) != size:
            raise RuntimeError(f"stored footage differs: sha256 {stored['sha256']} "
                               f"length {stored['length']}, expected {sha} {size}")
        if glob.glob(os.path.join(uploads_dir, "*.part")):
            raise RuntimeError("a part file was left in the upload folder")
        log(f"PASS: footage #{evidence_id}, {size} bytes, sha256 matches; "
            f"{args.kills} kill(s), {elapsed:.1f} s including restarts")
        return 0
    finally:
        server.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default="target/release/roadwarden", help="the server binary")
    p.add_argument("--size-mib", type=int, default=200)
    p.add_argument("--chunk-mib", type=int, default=8, help="tuspy chunk_size (one PATCH each)")
    p.add_argument("--kills", type=int, default=1, help="times the server is SIGKILLed")
    p.add_argument("--dir", default=None, help="parent of the work directory (default $TMPDIR)")
    p.add_argument("--keep", action="store_true", help="leave the work directory in place")
    args = p.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"tus_resume_test: no server binary at {args.bin} "
                 "(cargo build --release -p roadwarden-cli)")
    try:
        sys.exit(run(args))
    except Exception as e:
        log(f"FAIL: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
