#!/usr/bin/env bash
# IMAP command throughput: USERS accounts, each INBOX filled with the same MESSAGES
# messages (postino over its MX, Dovecot over LMTP into Maildir), then SESSIONS persistent
# sessions of bench/imap_load (SELECT, FETCH, STORE, APPEND, EXPUNGE, SEARCH, IDLE mix)
# for DURATION seconds against postino, then against Dovecot. Prints ops/s and the ratio.
#
#   bench/imap.sh                                          10 sessions, 10 users, 200 msgs, 30 s
#   SESSIONS=4 USERS=2 MESSAGES=50 DURATION=5 bench/imap.sh   a quick check
set -euo pipefail
USERS=${USERS:-10}
BENCH_USERS=$USERS
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
SESSIONS=${SESSIONS:-10}
MESSAGES=${MESSAGES:-200}
SIZE=${SIZE:-8000}
DURATION=${DURATION:-30}
ONLY=${ONLY:-}

rcpts=()
for i in $(seq 1 "$USERS"); do rcpts+=(--rcpt "testuser$i@example.test"); done
# The load generator is native (bench/imap_load.cpp, built beside postino): one
# thread drives every session, so it takes little of the CPU the servers share.
IMAP_LOAD=${IMAP_LOAD:-$(dirname "$POSTINO_BIN")/bench/imap_load}
[ -x "$IMAP_LOAD" ] || { echo "bench: no $IMAP_LOAD (make build)" >&2; exit 1; }
load() {
  "$IMAP_LOAD" --port "$1" --sessions "$SESSIONS" --users "$USERS" --duration "$DURATION"
}

bench_init
p_rate=- d_rate=-
if [ "$ONLY" != peer ]; then
  postino_start
  "$PY" "$BENCH_ROOT/bench/fill.py" --port "$POSTINO_SMTP_PORT" --count "$MESSAGES" \
    --size "$SIZE" "${rcpts[@]}"
  read -r p_ops p_secs p_rate < <(load "$POSTINO_IMAP_PORT")
  bench_log "postino: $p_ops ops in $p_secs s"
  kill -TERM "$POSTINO_PID"; wait "$POSTINO_PID" 2>/dev/null || true; POSTINO_PID=""
fi
if [ "$ONLY" != postino ]; then
  "$PEERS" start-dovecot "$BENCH_DIR"
  "$PY" "$BENCH_ROOT/bench/fill.py" --lmtp --port "$PEER_LMTP_PORT" --count "$MESSAGES" \
    --size "$SIZE" "${rcpts[@]}"
  read -r d_ops d_secs d_rate < <(load "$PEER_IMAP_PORT")
  bench_log "dovecot: $d_ops ops in $d_secs s"
fi

echo "imap: $SESSIONS sessions on $USERS users, $MESSAGES messages each, ${DURATION}s, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-10s %8s ops/s\n' postino "$p_rate" dovecot "$d_rate"
echo "  ratio postino/dovecot: $(ratio "$p_rate" "$d_rate")"
