#!/usr/bin/env bash
# SMTP delivery benchmark: smtp-source (Debian's postfix package) sends MESSAGES messages
# of SIZE bytes over SESSIONS parallel SMTP sessions (smtp-source -s SESSIONS -m MESSAGES,
# sessions kept open with -d), first to postino's MX (durable delivery into the INBOX),
# then in the same run to a Postfix instance that delivers into Dovecot over LMTP.
# The clock runs from the first connection until every message is in the mailbox:
# postino's INBOX count (`postino mailbox list`), Dovecot's Maildir file count.
#
#   bench/smtp.sh                              20 sessions, 5000 messages of 4 KB
#   SESSIONS=5 MESSAGES=500 bench/smtp.sh      a quick check
#   ONLY=postino|peer                          run one side only
set -euo pipefail
BENCH_USERS=${BENCH_USERS:-1}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-5000}
SIZE=${SIZE:-4096}
ONLY=${ONLY:-}
TIMEOUT=${TIMEOUT:-900}
RCPT=testuser1@example.test

now() { date +%s.%N; }

# run_side NAME PORT COUNT_FUNCTION: prints "elapsed messages/s"
run_side() {
  local name=$1 port=$2 counter=$3
  local t0 t1 got=0
  bench_log "$name: smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE -> 127.0.0.1:$port"
  t0=$(now)
  /usr/sbin/smtp-source -d -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f bench@example.org \
    -t "$RCPT" -M mx.example.org "127.0.0.1:$port" >&2
  local sent; sent=$(now)
  local deadline; deadline=$(awk -v t="$t0" -v d="$TIMEOUT" 'BEGIN { printf "%.3f", t + d }')
  while :; do
    got=$($counter)
    [ "${got:-0}" -ge "$MESSAGES" ] && break
    if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then
      bench_log "$name: timeout with $got of $MESSAGES delivered"
      echo "0 0"
      return
    fi
    sleep 0.2
  done
  t1=$(now)
  bench_log "$name: smtp-source done after $(awk -v a="$t0" -v b="$sent" 'BEGIN { printf "%.2f", b - a }') s, all $got in the mailbox after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
  awk -v a="$t0" -v b="$t1" -v m="$MESSAGES" 'BEGIN { printf "%.2f %.1f\n", b - a, m / (b - a) }'
}

count_postino() { postino_count "$RCPT"; }
count_peer() { "$PEERS" count-maildir "$BENCH_DIR" testuser1; }

bench_init
p_rate=- f_rate=-
if [ "$ONLY" != peer ]; then
  postino_start
  read -r _ p_rate < <(run_side postino "$POSTINO_SMTP_PORT" count_postino)
  kill -TERM "$POSTINO_PID"; wait "$POSTINO_PID" 2>/dev/null || true; POSTINO_PID=""
fi
if [ "$ONLY" != postino ]; then
  "$PEERS" start-dovecot "$BENCH_DIR"
  "$PEERS" start-postfix "$BENCH_DIR" lmtp
  read -r _ f_rate < <(run_side postfix+dovecot "$PEER_SMTP_PORT" count_peer)
fi

echo "smtp: $SESSIONS sessions, $MESSAGES messages of $SIZE bytes, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-18s %10s msg/s\n' postino "$p_rate" "postfix+dovecot" "$f_rate"
echo "  ratio postino/peer: $(ratio "$p_rate" "$f_rate")"
