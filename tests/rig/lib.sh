# Helpers for the rig's scenario scripts (sourced in L1's busybox sh, cwd /tmp).
# A scenario is a sequence of checks; the first failing one ends it with `fail WHY`.

fail() { echo "$*" > /tmp/rig.why; echo "RIG:   FAIL: $*"; exit 1; }
ok() { echo "RIG:   ok: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# vm LOG SECONDS kvmini-run-args...: runs kvmini bounded by SECONDS (SIGKILL), output
# (stdout and stderr) to LOG, then shows LOG indented. Sets $rc and $secs.
vm() {
  log=$1 lim=$2; shift 2
  echo "RIG:   \$ kvmini run $*"
  t0=$(uptime_s)
  timeout -s KILL "$lim" kvmini run "$@" </dev/null >"$log" 2>&1
  rc=$?
  secs=$(awk "BEGIN{printf \"%.2f\", $(uptime_s) - $t0}")
  sed 's/^/  | /' "$log"
  echo "RIG:   -> status $rc in ${secs}s"
}

# expect_rc WANT WHAT; expect_line REGEX WHAT: checks on the last vm run.
expect_rc() { [ "$rc" = "$1" ] || fail "$2: kvmini status $rc, want $1"; }
expect_line() { grep -q -e "$1" "$log" || fail "$2: no line matching '$1'"; }

# expect_no_l2_fail: the last vm run's guest printed no `L2: FAIL` line (the first one is why).
expect_no_l2_fail() {
  if grep -q '^L2: FAIL' "$log"; then fail "$(grep -m1 '^L2: FAIL' "$log")"; fi
}

# pattern NAME [BYTES]: BYTES (default 1 MiB) of a text pattern named NAME, the same one
# tests/rig/l2-init makes inside the guest.
pattern() { yes "kvmini $1 pattern 0123456789abcdef" | head -c "${2:-1048576}"; }
