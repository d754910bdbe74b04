#!/usr/bin/env bash
# Memory per idle IMAP connection: opens COUNT sessions (LOGIN, SELECT INBOX, IDLE; over
# USERS accounts) on postino, then on Dovecot, and reports
#   (PSS of the server after - PSS before) / COUNT
# where a server's PSS is the sum over its processes (postino: one process; Dovecot: the
# master and every descendant) of Pss from /proc/PID/smaps_rollup.
#
#   bench/imap_idle_mem.sh                  1000 sessions
#   COUNT=100 bench/imap_idle_mem.sh        a quick check
#   TLS=1 bench/imap_idle_mem.sh            postino only, over implicit TLS (imaps)
# Note: Dovecot's IDLE uses inotify; past fs.inotify.max_user_instances (128 by default)
# its imap processes fall back to polling the mailbox. The sysctl is left alone.
set -euo pipefail
USERS=${USERS:-10}
BENCH_USERS=$USERS
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
COUNT=${COUNT:-1000}
MESSAGES=${MESSAGES:-20}
ONLY=${ONLY:-}
TLS=${TLS:-0}
POSTINO_IMAPS_PORT=${POSTINO_IMAPS_PORT:-20993}
[ "$TLS" = 1 ] && ONLY=postino  # the peer has no TLS listener here

rcpts=()
for i in $(seq 1 "$USERS"); do rcpts+=(--rcpt "testuser$i@example.test"); done

# measure NAME PORT PID: prints KiB per session
measure() {
  local name=$1 port=$2 pid=$3 before after n
  sleep 1
  read -r before n < <(pss_tree_kib "$pid")
  bench_log "$name: baseline PSS $before KiB over $n processes"
  local fifo="$BENCH_DIR/idle.$name"
  mkfifo "$fifo"
  local tls=()
  [ "$TLS" = 1 ] && tls=(--tls)
  "$PY" "$BENCH_ROOT/bench/imap_idle.py" --port "$port" --count "$COUNT" --users "$USERS" \
    "${tls[@]}" <"$fifo" >"$BENCH_DIR/idle.$name.out" &
  local holder=$!
  exec 7>"$fifo"
  local t=0
  until grep -q '^ready' "$BENCH_DIR/idle.$name.out" 2>/dev/null; do
    kill -0 "$holder" 2>/dev/null || { bench_log "$name: the session holder failed"; exec 7>&-; echo 0; return; }
    sleep 0.5; t=$((t + 1))
  done
  sleep 2
  read -r after n < <(pss_tree_kib "$pid")
  bench_log "$name: $COUNT sessions idling; PSS $after KiB over $n processes"
  exec 7>&-
  wait "$holder" || true
  awk -v a="$after" -v b="$before" -v c="$COUNT" 'BEGIN { printf "%.1f\n", (a - b) / c }'
}

bench_init
p_kib=- d_kib=-
if [ "$ONLY" != peer ]; then
  postino_start
  "$PY" "$BENCH_ROOT/bench/fill.py" --port "$POSTINO_SMTP_PORT" --count "$MESSAGES" \
    --size 4000 "${rcpts[@]}"
  port=$POSTINO_IMAP_PORT
  if [ "$TLS" = 1 ]; then
    # lib.sh configures no imaps listener: add one and restart on the same data.
    kill -TERM "$POSTINO_PID"; wait "$POSTINO_PID" 2>/dev/null || true
    sed -i "/^imap = /a imaps = [\"127.0.0.1:$POSTINO_IMAPS_PORT\"]" "$BENCH_DIR/postino/postino.toml"
    "$POSTINO_BIN" --config "$BENCH_DIR/postino/postino.toml" serve >>"$BENCH_DIR/postino/postino.log" 2>&1 &
    POSTINO_PID=$!
    until (exec 3<>"/dev/tcp/127.0.0.1/$POSTINO_IMAPS_PORT") 2>/dev/null; do
      kill -0 "$POSTINO_PID" 2>/dev/null || { cat "$BENCH_DIR/postino/postino.log" >&2; exit 1; }
      sleep 0.1
    done
    port=$POSTINO_IMAPS_PORT
  fi
  p_kib=$(measure postino "$port" "$POSTINO_PID")
  kill -TERM "$POSTINO_PID"; wait "$POSTINO_PID" 2>/dev/null || true; POSTINO_PID=""
fi
if [ "$ONLY" != postino ]; then
  "$PEERS" start-dovecot "$BENCH_DIR"
  "$PY" "$BENCH_ROOT/bench/fill.py" --lmtp --port "$PEER_LMTP_PORT" --count "$MESSAGES" \
    --size 4000 "${rcpts[@]}"
  d_kib=$(measure dovecot "$PEER_IMAP_PORT" "$(cat "$BENCH_DIR/dovecot/run/master.pid")")
fi

echo "imap idle memory: $COUNT IDLE sessions$([ "$TLS" = 1 ] && echo " over TLS"), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-10s %8s KiB per session (PSS)\n' postino "$p_kib" dovecot "$d_kib"
echo "  ratio dovecot/postino: $(ratio "$d_kib" "$p_kib")"
