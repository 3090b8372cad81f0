# linux-net: the Linux guest's virtio_net on a tap, inside a network namespace of its own in
# L1 (L1 has no network device at all): L2 pings L1, L1 pings L2, and a TCP stream goes each
# way (busybox nc) with matching checksums.
cat >net-host.sh <<'HOST'
pattern() { yes "kvmini $1 pattern 0123456789abcdef" | head -c 1048576; }
ip link set lo up
timeout -s KILL 180 kvmini run --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz \
  --mem 256M --net tap=kvt0 --cmdline "console=ttyS0 panic=-1 quiet l2test=net" \
  </dev/null >net.log 2>&1 &
vm=$!
i=0
while ! ip link show kvt0 >/dev/null 2>&1 && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
ip addr add 10.0.2.1/24 dev kvt0 && ip link set kvt0 up
i=0
while ! grep -q '^L2: net ready' net.log && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
if ! grep -q '^L2: net ready' net.log; then
  echo "L1: FAIL L2 never said it was ready"
  kill -9 $vm
else
  if ping -c 3 -W 3 10.0.2.2 >ping.log 2>&1; then echo "L1: PASS ping L2"; else echo "L1: FAIL ping L2"; fi
  # busybox nc -l quits when its stdin ends: a fifo held open keeps it listening.
  mkfifo hold
  nc -l -p 5001 <hold >from-l2 &
  listener=$!
  exec 3>hold
  pattern l1-to-l2 | timeout 60 nc 10.0.2.2 5000
fi
wait $vm
st=$?
i=0
while [ "$(wc -c <from-l2 2>/dev/null || echo 0)" -lt 1048576 ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
[ -n "$listener" ] && kill $listener 2>/dev/null
exec 3>&-
echo "L1: kvmini status $st"
HOST
unshare -n sh net-host.sh >host.log 2>&1
sed 's/^/  | /' net.log
sed 's/^/  L1 /' host.log
log=net.log
expect_no_l2_fail
grep -q '^L1: FAIL' host.log && fail "$(grep -m1 '^L1: FAIL' host.log)"
expect_line '^L2: PASS eth0' "L2 eth0 up"
expect_line '^L2: PASS ping L1' "L2 pinged L1"
expect_line '^L2: PASS tcp from L1' "TCP L1 -> L2"
expect_line '^L2: PASS tcp to L1' "TCP L2 -> L1 sent"
grep -q '^L1: PASS ping L2' host.log || fail "L1 could not ping L2"
ok "pings both ways"
[ "$(md5sum <from-l2)" = "$(pattern l2-to-l1 | md5sum)" ] ||
  fail "TCP L2 -> L1: $(wc -c <from-l2) bytes, checksum differs"
ok "TCP both ways, 1 MiB each, checksums match"
grep -q '^L1: kvmini status 0' host.log || fail "kvmini: $(grep 'kvmini status' host.log)"
ok "L2 rebooted, kvmini status 0"
