#!/usr/bin/env bash
# IMAP command throughput: USERS accounts, each INBOX filled with the same MESSAGES
# messages (postino over its MX, Dovecot over LMTP into Maildir), then SESSIONS persistent
# sessions of bench/imap_load (SELECT, FETCH, STORE, APPEND, EXPUNGE, SEARCH, IDLE mix)
# against each server for DURATION seconds in all, in ROUNDS alternating rounds (postino
# then Dovecot, then Dovecot then postino, ...) with both servers up: a slow spell of this
# shared machine falls on both rather than on whichever ran then. Prints each round and
# the totals: ops/s for both and the ratio.
#
#   bench/imap.sh                                          10 sessions, 10 users, 200 msgs, 60 s in 3 rounds
#   SESSIONS=4 USERS=2 MESSAGES=50 DURATION=5 ROUNDS=1 bench/imap.sh   a quick check
set -euo pipefail
USERS=${USERS:-10}
BENCH_USERS=$USERS
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
SESSIONS=${SESSIONS:-10}
MESSAGES=${MESSAGES:-200}
SIZE=${SIZE:-8000}
DURATION=${DURATION:-60}
ROUNDS=${ROUNDS:-3}
ONLY=${ONLY:-}

rcpts=()
for i in $(seq 1 "$USERS"); do rcpts+=(--rcpt "testuser$i@example.test"); done
# The load generator is native (bench/imap_load.cpp, built beside postino): one
# thread drives every session, so it takes little of the CPU the servers share.
IMAP_LOAD=${IMAP_LOAD:-$(dirname "$POSTINO_BIN")/bench/imap_load}
[ -x "$IMAP_LOAD" ] || { echo "bench: no $IMAP_LOAD (make build)" >&2; exit 1; }
bench_init
ROUND_SECS=$(awk -v d="$DURATION" -v r="$ROUNDS" 'BEGIN { printf "%.3f", d / r }')
if [ "$ONLY" != peer ]; then
  postino_start
  "$PY" "$BENCH_ROOT/bench/fill.py" --port "$POSTINO_SMTP_PORT" --count "$MESSAGES" \
    --size "$SIZE" "${rcpts[@]}"
fi
if [ "$ONLY" != postino ]; then
  "$PEERS" start-dovecot "$BENCH_DIR"
  "$PY" "$BENCH_ROOT/bench/fill.py" --lmtp --port "$PEER_LMTP_PORT" --count "$MESSAGES" \
    --size "$SIZE" "${rcpts[@]}"
fi

# One round of one server: adds its ops and seconds to the totals, sets $rate.
p_ops=0 p_secs=0 d_ops=0 d_secs=0 rate=-
round() {  # round NAME PORT SEED
  local ops secs
  read -r ops secs rate < <("$IMAP_LOAD" --port "$2" --sessions "$SESSIONS" --users "$USERS" \
    --duration "$ROUND_SECS" --seed "$3")
  bench_log "$1 round $3: $ops ops in $secs s"
  if [ "$1" = postino ]; then
    p_ops=$((p_ops + ops)); p_secs=$(awk -v a="$p_secs" -v b="$secs" 'BEGIN { print a + b }')
  else
    d_ops=$((d_ops + ops)); d_secs=$(awk -v a="$d_secs" -v b="$secs" 'BEGIN { print a + b }')
  fi
}
rounds=""
for r in $(seq 1 "$ROUNDS"); do
  p=- d=-
  run_p() { [ "$ONLY" = peer ] || { round postino "$POSTINO_IMAP_PORT" "$r"; p=$rate; }; }
  run_d() { [ "$ONLY" = postino ] || { round dovecot "$PEER_IMAP_PORT" "$r"; d=$rate; }; }
  if [ $((r % 2)) = 1 ]; then run_p; run_d; else run_d; run_p; fi
  rounds+="$(printf '  round %d: postino %8s  dovecot %8s ops/s  ratio %s' "$r" "$p" "$d" "$(ratio "$p" "$d")")"$'\n'
done
[ "$ONLY" = peer ] || { kill -TERM "$POSTINO_PID"; wait "$POSTINO_PID" 2>/dev/null || true; POSTINO_PID=""; }
rate_of() { awk -v o="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", o / s; else printf "-" }'; }
p_rate=$(rate_of "$p_ops" "$p_secs")
d_rate=$(rate_of "$d_ops" "$d_secs")

echo "imap: $SESSIONS sessions on $USERS users, $MESSAGES messages each, ${DURATION}s each in $ROUNDS rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s' "$rounds"
printf '  %-10s %8s ops/s (%s ops)\n' postino "$p_rate" "$p_ops" dovecot "$d_rate" "$d_ops"
echo "  ratio postino/dovecot: $(ratio "$p_rate" "$d_rate")"
