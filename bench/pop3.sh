#!/usr/bin/env bash
# POP3 RETR throughput: CLIENTS maildrops (testuser1..CLIENTS) each get the same MESSAGES
# messages of about SIZE bytes (default 1,000 × 30 KB ≈ 30 MB each) on postino (over its
# MX) and on Dovecot (over LMTP); then CLIENTS parallel clients (bench/pop3_load.py, one
# per maildrop: postino allows one POP3 session per maildrop) RETR every message.
# Prints MB/s (10^6 bytes of RETR payload per second) for both and the ratio.
#
#   bench/pop3.sh                              10 clients × 1000 messages × 30 KB
#   CLIENTS=2 MESSAGES=100 bench/pop3.sh       a quick check
set -euo pipefail
CLIENTS=${CLIENTS:-10}
BENCH_USERS=$CLIENTS
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
MESSAGES=${MESSAGES:-1000}
SIZE=${SIZE:-30000}
ONLY=${ONLY:-}

rcpts=()
for i in $(seq 1 "$CLIENTS"); do rcpts+=(--rcpt "testuser$i@example.test"); done

bench_init
p_rate=- d_rate=-
if [ "$ONLY" != peer ]; then
  postino_start
  bench_log "postino: filling $CLIENTS maildrops with $MESSAGES messages"
  "$PY" "$BENCH_ROOT/bench/fill.py" --port "$POSTINO_SMTP_PORT" --count "$MESSAGES" \
    --size "$SIZE" "${rcpts[@]}"
  bench_log "postino: INBOX of testuser1 holds $(postino_count testuser1@example.test)"
  read -r p_bytes p_secs p_rate _ < <("$PY" "$BENCH_ROOT/bench/pop3_load.py" \
    --port "$POSTINO_POP3_PORT" --clients "$CLIENTS")
  bench_log "postino: $p_bytes bytes in $p_secs s"
  kill -TERM "$POSTINO_PID"; wait "$POSTINO_PID" 2>/dev/null || true; POSTINO_PID=""
fi
if [ "$ONLY" != postino ]; then
  "$PEERS" start-dovecot "$BENCH_DIR"
  bench_log "dovecot: filling $CLIENTS maildrops with $MESSAGES messages"
  "$PY" "$BENCH_ROOT/bench/fill.py" --lmtp --port "$PEER_LMTP_PORT" --count "$MESSAGES" \
    --size "$SIZE" "${rcpts[@]}"
  bench_log "dovecot: Maildir of testuser1 holds $("$PEERS" count-maildir "$BENCH_DIR" testuser1)"
  read -r d_bytes d_secs d_rate _ < <("$PY" "$BENCH_ROOT/bench/pop3_load.py" \
    --port "$PEER_POP3_PORT" --clients "$CLIENTS")
  bench_log "dovecot: $d_bytes bytes in $d_secs s"
fi

echo "pop3: $CLIENTS clients × $MESSAGES messages of ~$SIZE bytes, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-10s %8s MB/s\n' postino "$p_rate" dovecot "$d_rate"
echo "  ratio postino/dovecot: $(ratio "$p_rate" "$d_rate")"
