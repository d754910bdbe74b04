#!/usr/bin/env bash
# Peer servers on loopback: a private Postfix 3.7 instance and a private Dovecot 2.3
# instance, each living entirely in a directory of the caller's, for the interop tests
# and the side-by-side benchmarks. Nothing here touches the system's own Postfix or
# Dovecot configuration; only `install` changes the system (Debian packages, and the
# `vmailtest` user that owns the Dovecot Maildirs). Run as root (the way CI runs).
#
#   scripts/peers.sh install                  install packages (idempotent, non-interactive)
#   scripts/peers.sh start-dovecot DIR        Dovecot: IMAP, POP3 and LMTP on 127.0.0.1
#   scripts/peers.sh stop-dovecot DIR
#   scripts/peers.sh start-postfix DIR MODE   MODE: lmtp (example.test into the Dovecot above)
#                                             or relay:HOST:PORT (everything to that MX)
#   scripts/peers.sh stop-postfix DIR
#   scripts/peers.sh stop-all DIR
#   scripts/peers.sh count-maildir DIR USER   messages in USER's Dovecot INBOX (new + cur)
#
# Ports come from the environment (defaults in brackets): PEER_SMTP_PORT [10025],
# PEER_LMTP_PORT [10024], PEER_IMAP_PORT [10143], PEER_POP3_PORT [10110].
# Dovecot users: PEER_USERS (default 100) accounts testuser1..N, password "pass".
# The templates are bench/peers/{postfix,dovecot}/ with @PEERDIR@ and @…_PORT@ holes.
# DIR must be traversable by the postfix and dovecot users (e.g. mode 0755).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES="$ROOT/bench/peers"
PEER_SMTP_PORT=${PEER_SMTP_PORT:-10025}
PEER_LMTP_PORT=${PEER_LMTP_PORT:-10024}
PEER_IMAP_PORT=${PEER_IMAP_PORT:-10143}
PEER_POP3_PORT=${PEER_POP3_PORT:-10110}
PEER_USERS=${PEER_USERS:-100}
VMAIL_USER=vmailtest
PACKAGES=(postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd swaks bsdutils)

die() { echo "peers: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Installs the packages without starting any system service: debconf is pre-seeded so
# Postfix gets "No configuration" (no /etc/postfix/main.cf, no daemon on port 25), and a
# temporary policy-rc.d forbids invoke-rc.d from starting Dovecot or Postfix.
cmd_install() {
  need_root
  local missing=() p
  for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "peers: installing ${missing[*]}" >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string localhost" | debconf-set-selections
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 755 "$policy"
      made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    local rc=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
    [ "$made_policy" -eq 1 ] && rm -f "$policy"
    [ "$rc" -eq 0 ] || die "apt-get failed ($rc)"
  fi
  getent group "$VMAIL_USER" >/dev/null || groupadd --system "$VMAIL_USER"
  getent passwd "$VMAIL_USER" >/dev/null ||
    useradd --system --gid "$VMAIL_USER" --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin "$VMAIL_USER"
}

render() {  # render TEMPLATE DEST DIR
  sed -e "s#@PEERDIR@#$3#g" -e "s#@SMTP_PORT@#$PEER_SMTP_PORT#g" \
    -e "s#@LMTP_PORT@#$PEER_LMTP_PORT#g" -e "s#@IMAP_PORT@#$PEER_IMAP_PORT#g" \
    -e "s#@POP3_PORT@#$PEER_POP3_PORT#g" \
    -e "s#@VMAIL_UID@#$(id -u "$VMAIL_USER")#g" -e "s#@VMAIL_GID@#$(id -g "$VMAIL_USER")#g" \
    "$1" >"$2"
}

abs_dir() { mkdir -p "$1" && (cd "$1" && pwd); }

cmd_start_dovecot() {
  need_root
  local dir; dir=$(abs_dir "${1:?DIR}")
  local d="$dir/dovecot"
  mkdir -p "$d/run" "$d/log" "$dir/dovecot-mail"
  chmod 755 "$dir" "$d"
  chown "$VMAIL_USER:$VMAIL_USER" "$dir/dovecot-mail"
  render "$TEMPLATES/dovecot/dovecot.conf" "$d/dovecot.conf" "$dir"
  : >"$d/users"
  local i
  for i in $(seq 1 "$PEER_USERS"); do echo "testuser$i:{PLAIN}pass::::::" >>"$d/users"; done
  chmod 644 "$d/users"
  dovecot -c "$d/dovecot.conf" || die "dovecot failed to start; see $d/log/dovecot.log"
  wait_port "$PEER_LMTP_PORT" && wait_port "$PEER_IMAP_PORT" && wait_port "$PEER_POP3_PORT"
}

cmd_stop_dovecot() {
  local dir; dir=$(abs_dir "${1:?DIR}")
  local conf="$dir/dovecot/dovecot.conf"
  [ -f "$conf" ] || return 0
  local pidf="$dir/dovecot/run/master.pid"
  if [ -f "$pidf" ]; then
    local pid; pid=$(cat "$pidf")
    dovecot -c "$conf" stop 2>/dev/null || true
    local n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  fi
}

cmd_start_postfix() {
  need_root
  local dir; dir=$(abs_dir "${1:?DIR}")
  local mode=${2:?MODE (lmtp or relay:HOST:PORT)}
  local p="$dir/postfix"
  mkdir -p "$p/etc" "$p/spool" "$p/data" "$p/log"
  chmod 755 "$dir" "$p"
  render "$TEMPLATES/postfix/main.cf" "$p/etc/main.cf" "$dir"
  render "$TEMPLATES/postfix/master.cf" "$p/etc/master.cf" "$dir"
  case "$mode" in
    lmtp)
      printf 'testuser%s@example.test OK\n' $(seq 1 "$PEER_USERS") >"$p/etc/vmailbox"
      ;;
    relay:*)
      local target=${mode#relay:}
      : >"$p/etc/vmailbox"
      # relay mode: no local delivery; everything goes to one MX
      postconf -c "$p/etc" -e "virtual_mailbox_domains =" \
        "relayhost = [${target%:*}]:${target##*:}"
      ;;
    *) die "unknown mode '$mode'" ;;
  esac
  chown postfix:postfix "$p/data"
  # Postfix prints its start-up errors only to a terminal, hence script(1).
  script -qec "postfix -c '$p/etc' start" /dev/null >"$p/log/start.out" 2>&1 ||
    die "postfix failed to start: $(cat "$p/log/start.out")"
  wait_port "$PEER_SMTP_PORT"
}

cmd_stop_postfix() {
  local dir; dir=$(abs_dir "${1:?DIR}")
  local p="$dir/postfix"
  [ -f "$p/etc/main.cf" ] || return 0
  local pidf="$p/spool/pid/master.pid"
  [ -f "$pidf" ] || return 0
  local pid; pid=$(tr -d ' ' <"$pidf")
  postfix -c "$p/etc" stop >/dev/null 2>&1 || true
  local n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
}

cmd_count_maildir() {
  local dir; dir=$(abs_dir "${1:?DIR}")
  local m="$dir/dovecot-mail/${2:?USER}/Maildir"
  local n=0 s
  for s in new cur; do
    [ -d "$m/$s" ] && n=$((n + $(find "$m/$s" -maxdepth 1 -type f | wc -l)))
  done
  echo "$n"
}

wait_port() {  # wait_port PORT: until something accepts on 127.0.0.1:PORT (10 s)
  local n=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    n=$((n + 1))
    [ $n -gt 100 ] && die "port $1 did not open"
    sleep 0.1
  done
}

main() {
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    install) cmd_install ;;
    start-dovecot) cmd_start_dovecot "$@" ;;
    stop-dovecot) cmd_stop_dovecot "$@" ;;
    start-postfix) cmd_start_postfix "$@" ;;
    stop-postfix) cmd_stop_postfix "$@" ;;
    stop-all) cmd_stop_postfix "$@"; cmd_stop_dovecot "$@" ;;
    count-maildir) cmd_count_maildir "$@" ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
  esac
}

# Sourced: only define the functions. Executed: run a subcommand.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
