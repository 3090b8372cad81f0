# linux-exits: the Linux-guest version of the exit-count table. The same O_DIRECT dd workloads
# (256 KiB as 64 x 4 KiB and as 4 x 64 KiB, read and write) run on /dev/vda (virtio_blk) and
# /dev/sda (pata_legacy on the emulated IDE disk), each inside its own kvmini --exit-stats
# window (tests/rig/l2-init, l2test=exits). Numbers are per request, net of the empty
# calibration window, under SVM's exit semantics. Everything a dd process costs besides its
# I/O (fork, exec, timer ticks while it runs) is inside the window too: this is what a Linux
# guest really pays, not the bare driver path that the tiny guest measures.
dd if=/dev/zero of=vda.img bs=1M count=4 2>/dev/null
dd if=/dev/zero of=sda.img bs=1M count=4 2>/dev/null
vm exits.log 600 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
  --disk vda.img --ide sda.img --exit-stats \
  --cmdline "console=ttyS0 panic=-1 pata_legacy.probe_mask=1 quiet l2test=exits"
expect_no_l2_fail
expect_line '^L2: PASS marker port' "L2 wrote the marker port"
expect_rc 0 "L2 reboot"
echo "RIG:   Linux guest, per request (net of calibration):"
echo "RIG:   | disk | op | size | requests | all exits | exits to kvmini | I/O | MMIO | halts | interrupts | notifies | all exits per KiB |"
for w in 1 2 3 4 5 6 7 8; do
  desc=$(sed -n "s/^L2: window $w = //p" exits.log | tr -d '\r')
  [ -n "$desc" ] || fail "L2 did not run window $w"
  set -- $desc # dev op bs=N count=N status S
  dev=$1 op=$2 bs=${3#bs=} n=${4#count=}
  [ "$6" = 0 ] || fail "window $w ($desc) failed"
  # The window's counts through exit-report (tools/exit_report_main.c), the tests' own parser.
  v=$(exit-report --net $w exits.log kvm.exits user.exits kvm.io_exits kvm.mmio_exits \
      kvm.halt_exits kvm.irq_injections virtio.notifies) ||
    fail "no exit-stats line with every count for window $w"
  set -- $v
  kvm=$1 user=$2
  [ "$kvm" -gt 0 ] || fail "window $w: no KVM exits counted"
  awk -v d=$dev -v o=$op -v bs=$bs -v n=$n -v k=$kvm -v u=$user \
      -v io=$3 -v mm=$4 -v h=$5 -v i=$6 -v no=$7 'BEGIN {
    printf "RIG:   | %s | %s | %d KiB | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |\n",
      d, o, bs / 1024, n, k / n, u / n, io / n, mm / n, h / n, i / n, no / n, k / n / (bs / 1024) }'
  eval "kvm_${dev}_${op}_$bs=$kvm user_${dev}_${op}_$bs=$user"
done
for op in read write; do
  for bs in 4096 65536; do
    eval "a=\$kvm_sda_${op}_$bs b=\$kvm_vda_${op}_$bs c=\$user_sda_${op}_$bs d=\$user_vda_${op}_$bs"
    awk -v a=$a -v b=$b -v c=$c -v d=$d -v o=$op -v s=$((bs / 1024)) 'BEGIN {
      printf "RIG:   %s %d KiB: sda/vda all exits %.1fx, exits to kvmini %s\n", o, s, a / b,
        d > 0 ? sprintf("%.1fx", c / d) : "(vda: none)" }'
    [ "$a" -gt "$b" ] || fail "$op $bs: IDE did not take more exits than virtio ($a vs $b)"
  done
done
ok "Linux exit counts recorded"
