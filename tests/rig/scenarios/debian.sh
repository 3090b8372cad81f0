# debian: a Debian 12 system (guest-kernels/debian/build: debootstrap minbase + systemd,
# Debian's 6.1 kernel and its initramfs-tools initramfs) boots under kvmini from an ext4 root
# on virtio-blk, with a NIC on a tap and virtio-rng. The root image is QEMU's drive, L1's
# /dev/vda (snapshot=on), given to kvmini as the guest's own --disk. kvmini-check.service in
# the guest (kvmini.check on the command line) prints `L2: ...` lines once multi-user is
# reached, then runs `systemctl poweroff`, which must end kvmini with status 0 (ACPI S5).
# Every check is made and printed; the scenario fails at the end with the list of those that
# did not pass. dmesg's err/warn lines are printed, never failed on.
[ -f /rig/debian.vmlinuz ] || fail "no Debian kernel in L1"
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "L1 has no /dev/vda (QEMU's drive with the Debian root)"
ok "$(cat /rig/debian.version); L1's /dev/vda: $(($(cat /sys/block/vda/size) / 2048)) MiB"

cat >debian-host.sh <<'HOST'
ip link set lo up
t0=$(cut -d' ' -f1 /proc/uptime)
timeout -s KILL 900 kvmini run --kernel /rig/debian.vmlinuz --initrd /rig/debian.initrd \
  --mem 1G --cpus 2 --disk /dev/vda --net tap=kvt0 --rng \
  --cmdline "console=ttyS0 root=/dev/vda rw quiet panic=-1 kvmini.check" \
  </dev/null >debian.log 2>&1 &
vm=$!
i=0
while ! ip link show kvt0 >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
ip addr add 10.0.2.1/24 dev kvt0 && ip link set kvt0 up
while kill -0 $vm 2>/dev/null && ! grep -q 'L2: net ready' debian.log; do sleep 0.5; done
if grep -q 'L2: net ready' debian.log; then
  if ping -c 3 -W 3 10.0.2.2 >ping.log 2>&1; then
    echo "L1: PASS ping the guest: $(grep 'packets transmitted' ping.log)"
  else
    echo "L1: FAIL ping the guest: $(tail -n 2 ping.log | tr '\n' ' ')"
  fi
else
  echo "L1: FAIL the guest never said its network was ready"
fi
wait $vm
st=$?
echo "L1: kvmini status $st after $(awk "BEGIN{printf \"%.1f\", $(cut -d' ' -f1 /proc/uptime) - $t0}")s"
HOST
echo "RIG:   \$ kvmini run --kernel debian.vmlinuz --initrd debian.initrd --mem 1G --cpus 2 --disk /dev/vda --net tap=kvt0 --rng --cmdline \"console=ttyS0 root=/dev/vda rw quiet panic=-1 kvmini.check\" (in a network namespace of its own)"
unshare -n sh debian-host.sh >host.log 2>&1
tr -d '\r' <debian.log >debian.txt
sed 's/^/  | /' debian.txt
sed 's/^/  L1 /' host.log
log=debian.txt

fails=
check() { # check REGEX WHAT: WHAT is a failure unless a line matches REGEX
  if grep -q -e "$1" "$log"; then ok "$2"; else fails="$fails; $2"; echo "RIG:   NOT ok: $2"; fi
}
check 'login: root (automatic login)' "the serial getty logged root in"
check 'L2: PASS is-system-running running' "systemctl is-system-running: running"
check 'L2: PASS no failed units' "no failed units"
grep -q 'L2: FAIL failed units' "$log" && echo "RIG:   $(grep -o 'L2: FAIL failed units.*' "$log")"
grep -o 'L2: systemd-analyze: .*' "$log" | sed 's/^L2: /RIG:   /'
n=$(grep -c 'L2: dmesg: ' "$log")
echo "RIG:   dmesg --level=err,warn in the guest: $n lines (printed above, not checked)"
if grep -q 'L2: PASS hwclock' "$log"; then
  ok "hwclock -r: $(grep -o 'L2: PASS hwclock.*' "$log" | sed 's/L2: PASS hwclock //')"
else
  fails="$fails; hwclock -r fails in the guest (kvmini has no CMOS RTC?)"
  echo "RIG:   NOT ok: hwclock -r: $(grep -o 'L2: FAIL hwclock.*' "$log" | sed 's/L2: FAIL hwclock: //')"
fi
check 'L2: PASS rtc0' "/dev/rtc0"
check 'L2: PASS hwrng virtio_rng' "/dev/hwrng is virtio_rng, two reads differ"
check 'L2: eth0: eth0 .*10\.0\.2\.2/24' "eth0 (not an en* name) has 10.0.2.2/24 from systemd-networkd"
check 'L2: PASS ping 10.0.2.1' "the guest pinged L1"
if grep -q '^L1: PASS ping the guest' host.log; then ok "L1 pinged the guest"; else fails="$fails; L1 could not ping the guest"; echo "RIG:   NOT ok: L1 pinged the guest"; fi
check 'L2: PASS pinged by the host' "the guest saw L1's echo requests"
check 'L2: done .* systemctl poweroff' "the guest ran systemctl poweroff"
if grep -q '^L1: kvmini status 0 ' host.log; then
  ok "poweroff ended kvmini with status 0 (ACPI S5): $(grep -o 'after .*' host.log)"
else
  fails="$fails; kvmini: $(grep -o 'kvmini status.*' host.log)"
  echo "RIG:   NOT ok: $(grep -o 'kvmini status.*' host.log)"
fi
[ -z "$fails" ] || fail "${fails#; }"
