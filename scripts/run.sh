#!/usr/bin/env bash
# `make run`: starts postino on the embedded default (SQLite + message files
# under ./postino-data, loopback ports) with a demo account whose password is
# new on every start, and prints the listeners and the account.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=("${POSTINO_BIN:-./build/postino}")
# POSTINO_CONFIG=FILE runs with that config instead of the embedded default.
if [ -n "${POSTINO_CONFIG:-}" ]; then bin+=(--config "$POSTINO_CONFIG"); fi
domain=${POSTINO_DEMO_DOMAIN:-localhost}
user="demo@$domain"
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 16)

"${bin[@]}" domain list 2>/dev/null | grep -qx "$domain" || "${bin[@]}" domain add "$domain" >/dev/null
if "${bin[@]}" user list 2>/dev/null | grep -qx "$user"; then
  printf '%s\n' "$password" | "${bin[@]}" user passwd "$user" --password-stdin >/dev/null
else
  printf '%s\n' "$password" | "${bin[@]}" user add "$user" --password-stdin >/dev/null
fi

cat <<TXT

  Demo account (password is new on every start):
    address   $user
    password  $password

  Try:  swaks --server 127.0.0.1:2587 --tls --auth-user $user --auth-password '$password' \\
              --from $user --to $user
        curl -k --user '$user:$password' imaps://127.0.0.1:2993/INBOX -X 'FETCH 1:* FLAGS'

TXT
exec "${bin[@]}" serve
