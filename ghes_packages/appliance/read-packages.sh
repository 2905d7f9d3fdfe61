#!/usr/bin/env bash
set +o xtrace +o verbose
# Read-only first step of ghes-packages configure and status (ghes_packages/appliance/reading.py renders it):
# prints the appliance's hostname and Packages settings, one line each, and whether a configure run holds the
# lock. It writes nothing and holds no secret: the secret key's value is never printed, only a SHA-256 of this
# run's random salt and the value, which the caller compares with its own.
set -euo pipefail
umask 077

readonly keys=({% for key in keys %} {{ key|shq }}{% endfor %} )
readonly secret_key={{ secret_key|shq }}
readonly salt={{ salt|shq }}
{% include "lock-file.sh" %}
say() { printf 'ghes-packages: %s\n' "$*" >&2; }

{% include "read-setting.sh" %}
main() {
  printf '%s\n' {{ session_started|shq }} >&2
  local key digest
  for key in ghe-config sha256sum base64 flock; do
    command -v "$key" >/dev/null || { say "$key not found: this is not a GHES admin shell"; exit {{ exit.NOT_AN_APPLIANCE }}; }
  done
  for key in "${keys[@]}"; do
    read_setting "$key" || { say "cannot read $key"; exit {{ exit.NOT_AN_APPLIANCE }}; }
    if (( ! setting_is_set )); then
      printf '%s unset\n' "$key"
    elif [[ $key == "$secret_key" ]]; then
      digest=$(printf '%s%s' "$salt" "$setting" | sha256sum)
      printf '%s sha256 %s\n' "$key" "${digest%% *}"
    else
      printf '%s value %s\n' "$key" "$(printf '%s' "$setting" | base64 -w0)"
    fi
  done
  # A shared lock is refused while a configure run holds its exclusive one; it is released at once.
  local lock=free
  if [[ -e $lock_file ]] && { exec 8<"$lock_file"; } 2>/dev/null; then
    flock -n -s 8 || lock=held
    exec 8<&-
  fi
  printf 'lock %s\n' "$lock"
}

main "$@" </dev/null
