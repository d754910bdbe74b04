#!/usr/bin/env bash
# Outbound queue benchmark: MESSAGES messages (default 10,000) to DOMAINS remote
# domains (default 100), submitted over SESSIONS parallel SMTP sessions and
# relayed to smtp-sink on loopback, first by postino (MX hosts looked up in a
# real nsd serving the 100 zones, per-domain queues and connections), then in the
# same run by Postfix (scripts/peers.sh relay mode: every message to the same
# smtp-sink through relayhost, so Postfix does no MX look-ups). The clock runs
# from the first submission until smtp-sink has written every message.
#
#   bench/queue.sh                                  10000 messages, 100 domains
#   MESSAGES=1000 bench/queue.sh                    a quick check
#   ONLY=postino|peer                               run one side only
set -euo pipefail
BENCH_USERS=${BENCH_USERS:-1}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

ONLY=${ONLY:-}
export MESSAGES=${MESSAGES:-10000} DOMAINS=${DOMAINS:-100} SESSIONS=${SESSIONS:-10}

bench_init
p_rate=- f_rate=-
if [ "$ONLY" != peer ]; then
  bench_log "postino: $MESSAGES messages to $DOMAINS domains"
  read -r p_secs p_rate < <("$PY" "$BENCH_ROOT/bench/queue_load.py" postino "$POSTINO_BIN" "$BENCH_DIR")
  bench_log "postino: all delivered after $p_secs s"
fi
if [ "$ONLY" != postino ]; then
  bench_log "postfix: $MESSAGES messages to $DOMAINS domains (relayhost)"
  read -r f_secs f_rate < <("$PY" "$BENCH_ROOT/bench/queue_load.py" postfix "$PEERS" "$BENCH_DIR")
  bench_log "postfix: all delivered after $f_secs s"
fi

echo "queue: $MESSAGES messages to $DOMAINS domains over $SESSIONS sessions, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-18s %10s msg/s\n' postino "$p_rate" postfix "$f_rate"
echo "  ratio postino/peer: $(ratio "$p_rate" "$f_rate")"
