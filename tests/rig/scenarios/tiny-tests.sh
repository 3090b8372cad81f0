# tiny-tests: the tiny-guest integration suites of tests/integration (boot, virtio-blk, IDE,
# exit counts, virtio-net, virtio-rng, the CMOS RTC), run once here so that exact exit counts and device behaviour are
# checked under SVM as well as under the development machine's PVM. Each suite is bounded;
# a suite that skips (status 77) counts as a failure, since L1 does have /dev/kvm.
#
# KVMINI_TEST_IO_SECTORS: data tests move at most 64 sectors each (tests/integration/vmrun.h):
# every 16-bit word an IDE PIO write moves is a VM exit, about 1 ms each in this emulated CPU.
#
# Each suite runs once: a failure is reported, never retried away. If L1 itself stops
# (tests/rig/run: no heartbeat), a fresh L1 runs the suites that had not passed yet.
[ -f /rig/tests.list ] || fail "the rig was built without the tiny-guest tests"
export KVMINI_TEST_IO_SECTORS=64
# Interrupts the emulated CPU loses are counted, not failed: each suite prints its total
# ("lost wakeups: N", tests/integration/vmrun.c), shown on its RIG line.
export KVMINI_TEST_LOST_WAKEUPS=report
run_suite() { # run_suite PATH NAME: sets $st
  t0=$(uptime_s)
  # Shown as it runs (the suites line-buffer their output): a hang shows where it is.
  { timeout -s KILL 600 "$1" </dev/null 2>&1; echo $? >"$2.status"; } | tee "$2.log" |
    sed 's/^/  | /'
  st=$(cat "$2.status")
  dt=$(awk "BEGIN{printf \"%.0f\", $(uptime_s) - $t0}")
  echo "RIG:   $2: status $st in ${dt}s, $(grep -c '^\[       OK \]' "$2.log") passed," \
       "$(grep -c '^\[  FAILED  \]' "$2.log") failed," \
       "$(grep -m1 '^lost wakeups: ' "$2.log" || echo 'lost wakeups: not reported')"
}
failed=
# Suites that passed in an earlier L1 of this rig run (tests/rig/run: rig_suites_done=...).
done_list=$(sed -n 's/.*rig_suites_done=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
for t in $(cat /rig/tests.list); do
  name=${t##*/}
  case " $done_list " in
    *" $name "*) echo "RIG:   $name: passed in an earlier L1 of this run"; continue ;;
  esac
  echo "RIG:   \$ $name"
  run_suite "$t" "$name"
  [ "$st" = 0 ] || failed="$failed $name($st)"
done
[ -z "$failed" ] || fail "suites failed:$failed"
ok "every tiny-guest suite passed under SVM"
