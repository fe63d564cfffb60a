#!/usr/bin/env bash
# The ISP-scale benchmark: generates setups of about 10k, 100k and 1.8M map lines with
# examples/gen-isp.rs and measures, on the same files, postlint's full lint, postmap/postalias
# compiling the same maps (when Postfix is installed) and `cat` of the files (the floor).
# Prints a table: best wall time of RUNS runs, peak RSS (GNU time), and the ratios.
#
#   scripts/bench-isp.sh [LINES...]       (default: 10000 100000 1800000; RUNS=3, and
#                                          SMALL_RUNS=20 for setups of up to 100k lines)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1800000)
runs=${RUNS:-3}
# Small setups take a few ms, where scheduling noise is as large as the work: more runs.
small_runs=${SMALL_RUNS:-20}

cargo build --release --quiet --bin postlint --example gen-isp
postlint=$PWD/target/release/postlint
gen=$PWD/target/release/examples/gen-isp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gnu_time=/usr/bin/time
[ -x "$gnu_time" ] || gnu_time=

# best_of CMD...: the best wall time in ms over $runs runs, and the peak RSS in KB of that run
# ("-" without GNU time). Sets $ms and $kb.
best_of() {
  ms=; kb=-
  for _ in $(seq "$runs"); do
    local start end took rss=-
    start=$EPOCHREALTIME
    if [ -n "$gnu_time" ]; then
      "$gnu_time" -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || true
      rss=$(tail -1 "$work/rss")
    else
      "$@" >/dev/null 2>&1 || true
    fi
    end=$EPOCHREALTIME
    took=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (e - s) * 1000 }')
    if [ -z "$ms" ] || awk -v a="$took" -v b="$ms" 'BEGIN { exit !(a < b) }'; then
      ms=$took; kb=$rss
    fi
  done
}


# The fixed cost: the smallest generated setup (20 domains, 360 map lines), with the same
# planted problems, so the same findings to render, the same threads and the same defaults.
# ns_per_line is the cost of each further line: (time - this) / (lines - its lines).
"$gen" "$work/base" --domains 20 >/dev/null
touch -d '1 min ago' "$work/base"/*
# Every map and aliases source the generator writes (all but main.cf).
maps=(virtual_domains vmailbox virtual client_access sender_access recipient_access)
map_lines() { (cd "$1" && cat "${maps[@]}" aliases | wc -l); }
base_lines=$(map_lines "$work/base")
runs_saved=$runs; runs=$small_runs
best_of "$postlint" "$work/base"
runs=$runs_saved
base_ms=$ms
echo "postlint on the $base_lines-line setup: $base_ms ms (the fixed cost ns_per_line leaves out)"
printf '%-9s %8s %8s %10s %12s %9s %11s %10s %9s\n' \
  lines input_MB cat_ms postlint_ms postlint_RSS RSS/input ns_per_line postmap_ms postmap/x
for lines in "${sizes[@]}"; do
  dir=$work/isp-$lines
  domains=$((lines * 5 / 96))
  "$gen" "$dir" --domains "$domains" >/dev/null
  touch -d '1 min ago' "$dir"/*
  total=$(map_lines "$dir")
  bytes=$(cat "$dir"/* | wc -c)
  best_of sh -c "cat '$dir'/* > /dev/null"
  cat_ms=$ms
  runs_saved=$runs
  [ "$lines" -gt 100000 ] || runs=$small_runs
  best_of "$postlint" "$dir"
  runs=$runs_saved
  lint_ms=$ms
  lint_kb=$kb
  if command -v postmap >/dev/null; then
    # Compiling is slow and the result the same every time: one run.
    runs_saved=$runs; runs=1
    best_of sh -c "cd '$dir' && postmap -c '$dir' $(printf "hash:%s " "${maps[@]}") \
      && postalias -c '$dir' hash:'$dir'/aliases"
    runs=$runs_saved
    postmap_ms=$ms
    ratio=$(awk -v p="$postmap_ms" -v l="$lint_ms" 'BEGIN { printf "%.1fx", p / l }')
  else
    postmap_ms=-; ratio=-
  fi
  if [ "$lint_kb" != - ]; then
    rss=$(awk -v k="$lint_kb" 'BEGIN { printf "%.0f MB", k / 1024 }')
    rss_ratio=$(awk -v k="$lint_kb" -v b="$bytes" 'BEGIN { printf "%.2f", k * 1024 / b }')
  else
    rss=-; rss_ratio=-
  fi
  printf '%-9s %8.1f %8s %10s %12s %9s %11.0f %10s %9s\n' "$total" \
    "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" "$cat_ms" "$lint_ms" "$rss" \
    "$rss_ratio" "$(awk -v m="$lint_ms" -v s="$base_ms" -v n="$total" -v b="$base_lines" 'BEGIN { print (m - s) * 1e6 / (n - b) }')" \
    "$postmap_ms" "$ratio"
done
