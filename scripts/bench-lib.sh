# Shared shell for the root bench scripts (bench, bench-priority): sourced, not run.
#
# The caller sets BENCH_NAME (the prefix of every message) before sourcing. Provides: die, ROOT, SCRATCH, BIN,
# build_release PRODUCT…, bench_tempdir PREFIX (sets TMP and the cleanup trap), track_pid PID, free_port,
# wait_for, start_gatewayd [EXTRA_GATEWAY_YAML] with the instance's YAML on stdin (sets GATEWAYD_PID), and
# start_postgres (a cluster of the bench's own in $TMP/pg; sets PG_SOCKET_DIR, PG_PORT and PG_PID),
# cpu_seconds PID… (user + system CPU of the processes and their children alive now).
#
# Environment honoured: BENCH_SCRATCH_PATH (SwiftPM scratch dir, default .build), BENCH_BUILD=0 to skip building,
# BENCH_KEEP=1 to keep the temp dir (configs and logs) for inspection.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRATCH=${BENCH_SCRATCH_PATH:-$ROOT/.build}
BIN=$SCRATCH/release
TRACKED_PIDS=()
TMP=""

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# Builds each product in release mode (unless BENCH_BUILD=0) and checks the binaries are there.
build_release() {
    if [[ ${BENCH_BUILD:-1} != 0 ]]; then
        echo "$BENCH_NAME: building release binaries…" >&2
        local product
        for product in "$@"; do
            (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product "$product") >&2
        done
    fi
    local binary
    for binary in "$@"; do [[ -x $BIN/$binary ]] || die "missing $BIN/$binary"; done
}

# Everything a bench starts is stopped by PID on exit, newest first.
track_pid() { TRACKED_PIDS=("$1" "${TRACKED_PIDS[@]}"); }

bench_cleanup() {
    local pid
    for pid in "${TRACKED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    [[ -n $TMP ]] || return 0
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "$BENCH_NAME: kept $TMP" >&2; else rm -rf "$TMP"; fi
}

# A short temp dir (the control socket must fit in sockaddr_un's 108 bytes), removed on exit.
bench_tempdir() {
    TMP=$(mktemp -d "/tmp/$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# A free port: ask the kernel for one, falling back to a random high port that nothing answers on.
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
        return
    fi
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

wait_for() {  # wait_for <description> <seconds> <command…>
    local what=$1 seconds=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" 2>/dev/null; do
        ((SECONDS < deadline)) || die "timed out waiting for $what"
        sleep 0.05
    done
}

# start_gatewayd [extra gateway.yaml lines] <<<channel-yaml: one `sms` instance (its YAML on stdin) in $TMP, quiet
# logs, no HTTP listener; waits for the control socket at $TMP/gateway.sock. BENCH_INSTANCE names the instance
# (default sms); extra lines with a `listen:` key replace the "off" one; other instances may be written to
# $TMP/channels.d beforehand.
start_gatewayd() {
    mkdir -p "$TMP/state" "$TMP/channels.d"
    {
        echo "socket: $TMP/gateway.sock"
        echo "state_dir: $TMP/state"
        echo "channels_dir: $TMP/channels.d"
        echo "log_level: warning"
        [[ ${1:-} == *listen:* ]] || echo 'listen: "off"'
        [[ -z ${1:-} ]] || echo "$1"
    } > "$TMP/gateway.yaml"
    cat > "$TMP/channels.d/${BENCH_INSTANCE:-sms}.yaml"
    # BENCH_GATEWAYD_WRAPPER runs gatewayd under a tool, e.g. "valgrind --tool=callgrind" (same PID).
    # shellcheck disable=SC2086
    ${BENCH_GATEWAYD_WRAPPER:-} "$BIN/gatewayd" run --config "$TMP/gateway.yaml" >"$TMP/gatewayd.log" 2>&1 &
    GATEWAYD_PID=$!
    track_pid "$GATEWAYD_PID"
    wait_for "gatewayd's socket $TMP/gateway.sock (log: $TMP/gatewayd.log)" 30 test -S "$TMP/gateway.sock"
}

# A PostgreSQL cluster of the bench's own: initdb in $TMP/pg, Unix socket only, on a free port, durable as the
# gateway needs it (fsync and synchronous_commit stay on, the defaults); stopped with the bench's other processes.
# PostgreSQL will not run as root: as root the cluster belongs to the `postgres` user. BENCH_PG_FLAGS adds server
# flags (e.g. "-c log_min_duration_statement=20" to log slow statements into $TMP/postgres.log).
start_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x $bin/initdb ]] || die "PostgreSQL not found; install it with: sudo apt-get install -y postgresql libpq-dev"
    PG_SOCKET_DIR=$TMP/pg
    mkdir -p "$PG_SOCKET_DIR"
    local as=()
    if [[ $(id -u) == 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user (the postgresql package makes one)"
        chown postgres: "$PG_SOCKET_DIR"
        chmod o+x "$TMP"  # mktemp's 0700 would keep the postgres user out of its own directory
        as=(setpriv --reuid=postgres --regid=postgres --init-groups)
    fi
    "${as[@]}" "$bin/initdb" -D "$PG_SOCKET_DIR/data" -A trust -U postgres --no-sync >"$TMP/initdb.log" 2>&1 \
        || die "initdb failed (log: $TMP/initdb.log)"
    PG_PORT=$(free_port)
    # shellcheck disable=SC2086 # BENCH_PG_FLAGS is a list of words
    "${as[@]}" "$bin/postgres" -D "$PG_SOCKET_DIR/data" -k "$PG_SOCKET_DIR" -p "$PG_PORT" -c listen_addresses='' \
        ${BENCH_PG_FLAGS:-} >"$TMP/postgres.log" 2>&1 &
    PG_PID=$!
    track_pid "$PG_PID"
    wait_for "PostgreSQL on $PG_SOCKET_DIR/.s.PGSQL.$PG_PORT" 30 "$bin/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PG_PORT"
}

# cpu_seconds PID…: user + system CPU seconds of the processes and of their children alive now (PostgreSQL's
# backends are children of its postmaster; a backend's CPU is lost when it exits, so read it before stopping nodes).
cpu_seconds() {
    local pids=("$@") pid
    for pid in "$@"; do pids+=($(pgrep -P "$pid" || true)); done
    for pid in "${pids[@]}"; do cat "/proc/$pid/stat" 2>/dev/null || true; done \
        | awk -v hz="$(getconf CLK_TCK)" '{ sum += $14 + $15 } END { printf "%.2f", sum / hz }'
}
