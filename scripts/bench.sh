#!/usr/bin/env bash
# Runs the performance benchmarks of BENCHMARKS.md on SQLite and PostgreSQL.
#
#   scripts/bench.sh            # everything (about 40 minutes on 2 cores)
#   scripts/bench.sh audit      # audit append + verify only
#   scripts/bench.sh units      # GET /api/v1/units under load only
#   scripts/bench.sh devices    # GET /api/v1/devices under load + ledger import only (~7 min)
#   scripts/bench.sh captures   # capture ingest, review queue with 1M pending, notice outbox
#                               # (bench-captures; ~8 min on SQLite, ~9 min on PostgreSQL)
#   scripts/bench.sh evidence   # evidence upload (issue 5): hash rate vs sha256sum, 4 GiB tus upload
#                               # to `roadwarden serve` (server memory, rate vs dd), ranged-read
#                               # first byte; then the tuspy kill-and-resume test. SQLite only.
#                               # Needs ~13 GiB free in $TMPDIR for 4 GiB (~6 min).
#
# Environment:
#   BENCH_PG_URL   PostgreSQL server to make throw-away databases on
#                  (default postgres://postgres@127.0.0.1/postgres); set to "" to skip PostgreSQL.
#   BENCH_OUT      directory for the logs (default target/bench).
#   BENCH_ARGS     extra arguments for bench-units (e.g. "--duration 10").
#   BENCH_DEVICES_ARGS  extra arguments for bench-devices (e.g. "--duration 10 --vacuum").
#   BENCH_CAPTURES_ARGS extra arguments for bench-captures (e.g. "--only ingest --captures 40000",
#                       "--only review --pending 200000", "--only notices --batch-size 2000").
#   BENCH_EVIDENCE_ARGS extra arguments for bench-evidence (e.g. "--size-mib 1024", "--only hash").
#   BENCH_TUS_ARGS      extra arguments for scripts/tus_resume_test.py (default "--kills 2").
set -euo pipefail

cd "$(dirname "$0")/.."
what="${1:-all}"
pg_url="${BENCH_PG_URL-postgres://postgres@127.0.0.1/postgres}"
out="${BENCH_OUT:-target/bench}"
mkdir -p "$out"

machine() {
    echo "== machine =="
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "nproc: $(nproc)"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
    lscpu | head -20
    echo "-- disk fsync (dd bs=4k count=2000 oflag=dsync) --"
    dd if=/dev/zero of=/tmp/rw-bench-dd bs=4k count=2000 oflag=dsync 2>&1 | tail -1
    rm -f /tmp/rw-bench-dd
}

ensure_postgres() {
    [ -n "$pg_url" ] || return 0
    if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1; then
        return 0
    fi
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
        for _ in $(seq 1 30); do
            pg_isready -q -h 127.0.0.1 && return 0
            sleep 1
        done
    fi
    echo "PostgreSQL is not reachable at $pg_url; skipping it" >&2
    pg_url=""
}

ensure_wrk() {
    command -v wrk >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } || true
    fi
    command -v wrk >/dev/null || echo "wrk is not installed: bench-units runs its open-loop generator only" >&2
}

cargo build --release -p roadwarden-bench
if [ "$what" = all ] || [ "$what" = evidence ]; then
    # bench-evidence and the tus test run the real server binary in its own process.
    cargo build --release -p roadwarden-cli --bin roadwarden
fi
bin=target/release

machine | tee "$out/machine.txt"
[ "$what" = evidence ] && pg_url=""
ensure_postgres

backends=(sqlite)
[ -n "$pg_url" ] && backends+=(postgres)

for backend in "${backends[@]}"; do
    db_args=()
    [ "$backend" = postgres ] && db_args=(--database-url "$pg_url")
    if [ "$what" = all ] || [ "$what" = audit ]; then
        echo "== bench-audit on $backend =="
        "$bin/bench-audit" "${db_args[@]}" | tee "$out/audit-$backend.txt"
    fi
    if [ "$what" = all ] || [ "$what" = units ]; then
        ensure_wrk
        echo "== bench-units on $backend =="
        # shellcheck disable=SC2086
        "$bin/bench-units" "${db_args[@]}" ${BENCH_ARGS:-} | tee "$out/units-$backend.txt"
    fi
    if [ "$what" = all ] || [ "$what" = devices ]; then
        echo "== bench-devices on $backend =="
        # shellcheck disable=SC2086
        "$bin/bench-devices" "${db_args[@]}" ${BENCH_DEVICES_ARGS:-} | tee "$out/devices-$backend.txt"
    fi
    if [ "$what" = all ] || [ "$what" = captures ]; then
        # Ingest writes its images to a temporary directory on the filesystem of $TMPDIR (and
        # measures that filesystem with dd); the parts run in the order ingest, review, notices,
        # so the next backend's ingest starts minutes after this one's images were deleted
        # (ext4 without a journal skips recently freed inodes, which slows file creation).
        echo "== bench-captures on $backend =="
        # shellcheck disable=SC2086
        "$bin/bench-captures" "${db_args[@]}" ${BENCH_CAPTURES_ARGS:-} | tee "$out/captures-$backend.txt"
    fi
done
if [ "$what" = all ] || [ "$what" = evidence ]; then
    echo "== bench-evidence (SQLite, the server as its own process) =="
    # shellcheck disable=SC2086
    "$bin/bench-evidence" ${BENCH_EVIDENCE_ARGS:-} | tee "$out/evidence.txt"
    echo "== tus kill-and-resume (tuspy) =="
    python3 -c "import tusclient" 2>/dev/null || python3 -m pip install -q tuspy
    # shellcheck disable=SC2086
    python3 scripts/tus_resume_test.py --bin "$bin/roadwarden" ${BENCH_TUS_ARGS:---kills 2} | tee "$out/tus-resume.txt"
fi
echo "logs in $out/"
