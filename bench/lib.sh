# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced, not run): a work directory, a postino
# instance and the peer servers (scripts/peers.sh) on loopback, all stopped on exit.
# Each benchmark runs postino and its peer in the same run, on the same data.
#
# Environment: POSTINO_BIN (default build/postino), BENCH_DIR (default a fresh
# /tmp/postino-bench.XXXX, removed on exit unless KEEP=1), BENCH_USERS (accounts
# testuser1..N@example.test, password "pass", on both servers), POSTINO_*_PORT.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POSTINO_BIN=${POSTINO_BIN:-$BENCH_ROOT/build/postino}
PY=/usr/bin/python3
BENCH_USERS=${BENCH_USERS:-10}
POSTINO_SMTP_PORT=${POSTINO_SMTP_PORT:-20025}
POSTINO_IMAP_PORT=${POSTINO_IMAP_PORT:-20143}
POSTINO_POP3_PORT=${POSTINO_POP3_PORT:-20110}
export PEER_SMTP_PORT=${PEER_SMTP_PORT:-10025}
export PEER_LMTP_PORT=${PEER_LMTP_PORT:-10024}
export PEER_IMAP_PORT=${PEER_IMAP_PORT:-10143}
export PEER_POP3_PORT=${PEER_POP3_PORT:-10110}
export PEER_USERS=$BENCH_USERS
PEERS="$BENCH_ROOT/scripts/peers.sh"
POSTINO_PID=""

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

bench_cleanup() {
  set +e
  if [ -n "$POSTINO_PID" ] && kill -0 "$POSTINO_PID" 2>/dev/null; then
    kill -TERM "$POSTINO_PID"
    wait "$POSTINO_PID" 2>/dev/null
  fi
  [ -n "${BENCH_DIR:-}" ] && "$PEERS" stop-all "$BENCH_DIR"
  if [ "${KEEP:-0}" != 1 ] && [ -n "${BENCH_DIR_MADE:-}" ]; then rm -rf "$BENCH_DIR"; fi
}

bench_init() {
  [ "$(id -u)" -eq 0 ] || { echo "bench: run as root (peers need it)" >&2; exit 1; }
  "$PEERS" install
  if [ -z "${BENCH_DIR:-}" ]; then
    BENCH_DIR=$(mktemp -d /tmp/postino-bench.XXXXXX)
    BENCH_DIR_MADE=1
  fi
  chmod 755 "$BENCH_DIR"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  bench_log "work dir $BENCH_DIR; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Starts postino with the MX, IMAP and POP3 listeners and BENCH_USERS accounts.
postino_start() {
  [ -x "$POSTINO_BIN" ] || { echo "bench: no postino binary at $POSTINO_BIN (make build)" >&2; exit 1; }
  local d="$BENCH_DIR/postino"
  mkdir -p "$d"
  cat >"$d/postino.toml" <<CONF
[server]
hostname = "mail.example.test"
data_dir = "$d/data"
user = ""
log_level = "warn"

[listen]
smtp = ["127.0.0.1:$POSTINO_SMTP_PORT"]
imap = ["127.0.0.1:$POSTINO_IMAP_PORT"]
pop3 = ["127.0.0.1:$POSTINO_POP3_PORT"]

[limits]
max_connections_per_ip = 5000
max_connections = 20000

# The peers check no SPF/DKIM/DMARC either, and no query may leave loopback.
[mailauth]
enabled = false
CONF
  postino_cli domain add example.test >/dev/null
  local i
  for i in $(seq 1 "$BENCH_USERS"); do
    echo pass | postino_cli user add "testuser$i@example.test" --password-stdin >/dev/null
  done
  "$POSTINO_BIN" --config "$d/postino.toml" serve >"$d/postino.log" 2>&1 &
  POSTINO_PID=$!
  local port
  for port in $POSTINO_SMTP_PORT $POSTINO_IMAP_PORT $POSTINO_POP3_PORT; do
    local n=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      kill -0 "$POSTINO_PID" 2>/dev/null || { cat "$d/postino.log" >&2; exit 1; }
      n=$((n + 1)); [ $n -gt 200 ] && { echo "postino port $port did not open" >&2; exit 1; }
      sleep 0.1
    done
  done
}

postino_cli() { "$POSTINO_BIN" --config "$BENCH_DIR/postino/postino.toml" "$@"; }

# Messages in a postino user's INBOX, from `postino mailbox list` ("INBOX<TAB>N messages…").
postino_count() {
  postino_cli mailbox list "$1" 2>/dev/null | awk -F'\t' '$1 == "INBOX" { split($2, a, " "); print a[1] }'
}

# Sum of PSS (KiB) of a process and all its descendants, from /proc/*/smaps_rollup.
pss_tree_kib() { "$PY" "$BENCH_ROOT/bench/pss.py" "$@"; }

# ratio A B: A/B to two decimals, or n/a when either side was not measured ("-" or 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
