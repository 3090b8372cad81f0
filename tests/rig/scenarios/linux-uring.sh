# linux-uring: exits per request with Linux's own drivers, by how completions are found. The
# Linux guest reads 4 KiB random blocks through io_uring (tests/rig/uring-read.c, l2test=uring
# in l2-init): by interrupt at QD 1 and 32; polled (virtio_blk.poll_queues=1, IORING_SETUP_IOPOLL)
# at QD 1 and 32; and by interrupt at QD 1 on the IDE disk. Once with kvmini's device notified
# by the guest's kick, once with the device polling its ring too (--disk ...,poll=20000: the
# window must outlast the guest's time between requests, which in this emulated L2 with one L1
# CPU shared by the vCPU and the polling thread is milliseconds, not microseconds). Two
# vCPUs and two queues: virtio_blk makes one queue per CPU at most, and the poll queue is
# carved out of them (one interrupt queue, one poll queue). Every
# window's exits are taken net of an idle window of the same length that follows it (timer
# ticks and the like), per request. The seed's claim, with Linux: a polled read needs one exit
# (its kick), and none when the device polls as well.
dd if=/dev/zero of=vda.img bs=1M count=8 2>/dev/null
dd if=/dev/zero of=sda.img bs=1M count=2 2>/dev/null
C="console=ttyS0 panic=-1 virtio_blk.poll_queues=1 pata_legacy.probe_mask=1 quiet l2test=uring"
vm uring.log 600 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M --cpus 2 \
  --disk vda.img,queues=2 --ide sda.img --exit-stats --cmdline "$C"
expect_no_l2_fail
expect_rc 0 "L2 reboot"
vm uring-poll.log 600 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M --cpus 2 \
  --disk vda.img,queues=2,poll=20000 --exit-stats --cmdline "$C"
expect_no_l2_fail
expect_rc 0 "L2 reboot (device polling)"
echo "RIG:   Linux guest, io_uring 4 KiB random reads, exits per request net of an idle window of the same length:"
echo "RIG:   | kvmini device | disk | completions | QD | requests | all exits | exits to kvmini | notifies | all exits, raw | idle window's exits |"
for f in uring.log uring-poll.log; do
  devmode=notified
  [ $f = uring-poll.log ] && devmode="polls (poll=20000)"
  sed -n 's/^L2: uring window \([0-9]*\) idle \([0-9]*\) = \(.*\)$/\1 \2 \3/p' $f | tr -d '\r' >$f.windows
  [ -s $f.windows ] || fail "L2 ran no io_uring window in $f"
  while read -r w idle dev mode qd n st; do
    qd=${qd#qd=} n=${n#count=}
    [ "${st#status }" = 0 ] || fail "window $w of $f: uring-read failed"
    v=$(exit-report $w $f kvm.exits user.exits virtio.notifies) ||
      fail "no exit-stats line with every count for window $w of $f"
    iv=$(exit-report $idle $f kvm.exits user.exits virtio.notifies) ||
      fail "no exit-stats line for idle window $idle of $f"
    # Exits to kvmini for the disk itself (InterruptStatus and InterruptACK); none when the
    # window had none.
    vm=$(exit-report $w $f mmio.virtio-blk@d0000000 2>/dev/null || echo 0)
    ivm=$(exit-report $idle $f mmio.virtio-blk@d0000000 2>/dev/null || echo 0)
    set -- $v $iv
    awk -v dm="$devmode" -v d=$dev -v m=$mode -v q=$qd -v n=$n -v k=$1 -v u=$2 -v no=$3 \
        -v ik=$4 -v iu=$5 -v ino=$6 'BEGIN {
      printf "RIG:   | %s | %s | %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %d |\n",
        dm, d, m, q, n, (k - ik) / n, (u - iu) / n, (no - ino) / n, k / n, ik }'
    # The exits the I/O path itself needs: the kick (a notify, KVM's ioeventfd) and the disk's
    # exits to kvmini (InterruptStatus and InterruptACK), net of the idle window. (Not all
    # exits to kvmini: a kernel message in the window is two exits a byte on the UART.)
    echo "$devmode $dev $mode $qd $(awk -v n=$n -v k=$1 -v ik=$4 -v vm=$vm -v ivm=$ivm -v no=$3 -v ino=$6 \
      'BEGIN { printf "%.3f %.3f", (k - ik) / n, (no - ino + vm - ivm) / n }')" >>uring-net.txt
  done <$f.windows
done
# The claims, on the exits the I/O path needs (the kick and the disk's exits to kvmini per
# request, net of the idle window): polled completions cost one (the kick), and none when the device polls
# too. All exits net of background are printed above but not asserted: with one L1 CPU shared
# by the vCPU thread and a polling device thread, preemption adds exits to both windows that
# do not cancel (tests/rig/README.md; docs/exit-counts.md).
p1=$(awk '$1 == "notified" && $2 == "vda" && $3 == "poll" && $4 == 1 { print $6 }' uring-net.txt)
p2=$(awk '$1 == "polls" && $3 == "vda" && $4 == "poll" && $5 == 1 { print $7 }' uring-net.txt)
[ -n "$p1" ] && [ -n "$p2" ] || fail "the polled windows are missing"
awk -v v=$p1 'BEGIN { exit !(v > 0.8 && v < 1.2) }' ||
  fail "polled reads at QD 1 needed $p1 kicks and disk exits to kvmini per request (want about 1)"
ok "polled reads at QD 1: $p1 kicks and disk exits to kvmini per request"
awk -v v=$p2 'BEGIN { exit !(v < 0.2) }' ||
  fail "polled reads with a polling device needed $p2 kicks and disk exits to kvmini per request (want < 0.2)"
ok "polled reads at QD 1 with a polling device: $p2 kicks and disk exits to kvmini per request"
