#!/usr/bin/env bash
# Checks the 3.7 part of the source-derived version data (scripts/gen-version-data.py) against the
# Postfix 3.7 installed on this machine:
#   1. parameter names: every name `postconf -d` prints (empty main.cf, no master.cf, so no
#      service-derived names) must be in data/postfix-params.tsv for 3.7, and every 3.7 name there
#      must be known to `postconf -d`, apart from the expected exceptions listed below;
#   2. lookup table types: every type `postconf -m` lists must be in data/postfix-map-types.tsv for 3.7,
#      and every 3.7 type marked builtin there must be listed by `postconf -m`;
#   3. validation: a few bad settings are fed to the real smtpd(8) in stand-alone mode (smtpd -S) and
#      its fatal log line must be the one the data predicts from the row's type/min/max and the
#      message formats of src/global/mail_conf_*.c.
# Exits non-zero on any unexpected difference. Usage: scripts/check-version-data.sh [DATA_DIR]
set -uo pipefail
data=${1:-data}
params=$data/postfix-params.tsv
maps=$data/postfix-map-types.tsv
smtpd=/usr/lib/postfix/sbin/smtpd
fail=0

# Names `postconf -d` prints that no program's parameter table holds, so the sources give no type:
declare -A expected_postconf_only=(
  # postconf's install_table.h: config_directory is set from MAIL_CONFIG/-c by mail_conf_read(),
  # never read through a table.
  [config_directory]=1
  # postconf's install_table.h: only looked up raw by debug_process() (mail_conf_lookup_eval).
  [debugger_command]=1
  # postconf "ad hoc" parameters (postconf_builtin.c pcf_adhoc_*): set at run time by each
  # process (set_mail_conf_str/int in the server skeletons and mail_params.c), never configured.
  [process_id]=1
  [process_name]=1
  # Also ad hoc in 3.7-3.10 (set by the server skeletons); a mail_params.c table entry from 3.11 on.
  [service_name]=1
)

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
: > "$dir/main.cf"
touch -d '1 min ago' "$dir/main.cf"

echo "installed: $(postconf -c "$dir" -h mail_version 2>/dev/null); data 3.7 line: $(grep -m1 -P '^#\s+3\.7\t' "$params" | tr '\t' ' ' | sed 's/^# *//')"

# covers37: the versions column starts at 3.7 (3.7 is the first line, so "3.7", "3.7-", "3.7-3.x").
postconf -c "$dir" -d 2>/dev/null | sed -e 's/ =.*//' | LC_ALL=C sort -u > "$dir/postconf.names"
awk -F'\t' '!/^#/ { split($7, v, "-"); if (v[1] == "3.7") print $1 }' "$params" | LC_ALL=C sort -u > "$dir/data.names"
echo "postconf -d: $(wc -l < "$dir/postconf.names") names; data for 3.7: $(wc -l < "$dir/data.names") names"

while read -r name; do
  if [[ -n ${expected_postconf_only[$name]:-} ]]; then
    echo "expected: $name: known to postconf -d, no parameter table in the sources"
  else
    echo "UNEXPECTED: $name: printed by postconf -d but not in $params for 3.7"; fail=1
  fi
done < <(LC_ALL=C comm -23 "$dir/postconf.names" "$dir/data.names")
while read -r name; do
  echo "UNEXPECTED: $name: in $params for 3.7 but unknown to postconf -d"; fail=1
done < <(LC_ALL=C comm -13 "$dir/postconf.names" "$dir/data.names")
for name in "${!expected_postconf_only[@]}"; do
  if ! grep -qx "$name" "$dir/postconf.names" || grep -qx "$name" "$dir/data.names"; then
    echo "STALE EXCEPTION: $name is no longer a difference; remove it from this script"; fail=1
  fi
done

# 2. lookup table types
postconf -c "$dir" -m 2>/dev/null | LC_ALL=C sort -u > "$dir/postconf.maps"
awk -F'\t' '!/^#/ { split($2, v, "-"); if (v[1] == "3.7") print $1 }' "$maps" | LC_ALL=C sort -u > "$dir/data.maps"
awk -F'\t' '!/^#/ && $3 == "builtin" { split($2, v, "-"); if (v[1] == "3.7") print $1 }' "$maps" \
  | LC_ALL=C sort -u > "$dir/data.builtin"
while read -r t; do echo "UNEXPECTED: map type $t: listed by postconf -m but not in $maps for 3.7"; fail=1; done \
  < <(LC_ALL=C comm -23 "$dir/postconf.maps" "$dir/data.maps")
while read -r t; do echo "UNEXPECTED: map type $t: builtin in $maps but not listed by postconf -m"; fail=1; done \
  < <(LC_ALL=C comm -13 "$dir/postconf.maps" "$dir/data.builtin")
echo "postconf -m: $(wc -l < "$dir/postconf.maps") types; 3.7 data types it does not list (not built or plugin not installed):" \
  "$(LC_ALL=C comm -13 "$dir/postconf.maps" "$dir/data.maps" | tr '\n' ' ')"

# 3. spot checks on the real smtpd: NAME|VALUE|what the value violates
expected_fatal() { # name value violation -> the fatal message the 3.7 data row predicts
  local name=$1 value=$2 what=$3 row type min max
  row=$(awk -F'\t' -v n="$name" '!/^#/ && $1 == n { split($7, v, "-"); if (v[1] == "3.7") print }' "$params")
  [[ $(grep -c . <<< "$row") == 1 ]] || { echo "NO-UNIQUE-ROW"; return; }
  IFS=$'\t' read -r _ type _ min max _ <<< "$row"
  case $type/$what in
    bool/badvalue|nbool/badvalue) echo "bad boolean configuration: $name = $value" ;;
    int/badvalue|nint/badvalue|long/badvalue) echo "bad numerical configuration: $name = $value" ;;
    int/belowmin|nint/belowmin|long/belowmin) echo "invalid $name parameter value $value < $min" ;;
    int/abovemax|nint/abovemax|long/abovemax) echo "invalid $name parameter value $value > $max" ;;
    time/badvalue) echo "parameter $name: bad time value or unit: $value" ;;
    time/belowmin) echo "invalid $name: $value (min $min)" ;;    # value in seconds
    time/abovemax) echo "invalid $name: $value (max $max)" ;;
    str/tooshort) echo "bad string length ${#value} < $min: $name = $value" ;;
    raw/tooshort) echo "bad string length (${#value} < $min): $name = $value" ;;
    *) echo "TYPE-$type-CANNOT-$what" ;;
  esac
}
if [[ ! -x $smtpd ]]; then
  echo "SKIPPED: $smtpd not installed, no spot checks"
else
  while IFS='|' read -r name value what; do
    [[ -z $name || $name == \#* ]] && continue
    cfg=$(mktemp -d -p "$dir")
    printf '%s\n' "local_recipient_maps =" "smtpd_client_connection_count_limit = 0" \
      "smtpd_client_connection_rate_limit = 0" "$name = $value" > "$cfg/main.cf"
    got=$(MAIL_CONFIG=$cfg timeout 10 "$smtpd" -S -V < /dev/null 2>&1 | sed -n 's/^.*: fatal: //p' | head -n1)
    want=$(expected_fatal "$name" "$value" "$what")
    if [[ $got == "$want" ]]; then
      echo "ok: $name = $value -> fatal: $got"
    else
      echo "UNEXPECTED: $name = $value: smtpd said [fatal: $got], data predicts [fatal: $want]"; fail=1
    fi
  done <<'EOF'
smtpd_tls_auth_only|maybe|badvalue
smtpd_recipient_limit|0|belowmin
unverified_recipient_reject_code|600|abovemax
address_verify_poll_count|0|belowmin
message_size_limit|10MB|badvalue
smtpd_timeout|10x|badvalue
smtpd_timeout|0|belowmin
in_flow_delay|11|abovemax
smtpd_banner||tooshort
smtpd_expansion_filter||tooshort
EOF
fi

if (( fail )); then echo "FAILED: unexpected differences"; exit 1; fi
echo "OK: 3.7 data agrees with the installed Postfix"
