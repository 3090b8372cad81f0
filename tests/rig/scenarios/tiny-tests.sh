# tiny-tests: the tiny-guest integration suites of tests/integration (boot, virtio-blk, IDE,
# exit counts, virtio-net), run once here so that exact exit counts and device behaviour are
# checked under SVM as well as under the development machine's PVM. Each suite is bounded;
# a suite that skips (status 77) counts as a failure, since L1 does have /dev/kvm.
# KVMINI_TEST_IO_SECTORS: data tests move at most 64 sectors each (tests/integration/vmrun.h):
# every 16-bit word an IDE PIO write moves is a VM exit, about 1 ms each in this emulated CPU.
[ -f /rig/tests.list ] || fail "the rig was built without the tiny-guest tests"
export KVMINI_TEST_IO_SECTORS=64
failed=
for t in $(cat /rig/tests.list); do
  name=${t##*/}
  echo "RIG:   \$ $name"
  t0=$(uptime_s)
  # Shown as it runs (the suites line-buffer their output): a hang shows where it is.
  { timeout -s KILL 600 "$t" </dev/null 2>&1; echo $? >"$name.status"; } | tee "$name.log" |
    sed 's/^/  | /'
  st=$(cat "$name.status")
  dt=$(awk "BEGIN{printf \"%.0f\", $(uptime_s) - $t0}")
  echo "RIG:   $name: status $st in ${dt}s, $(grep -c '^\[       OK \]' "$name.log") passed," \
       "$(grep -c '^\[  FAILED  \]' "$name.log") failed"
  [ $st = 0 ] || failed="$failed $name($st)"
done
[ -z "$failed" ] || fail "suites failed:$failed"
ok "every tiny-guest suite passed under SVM"
