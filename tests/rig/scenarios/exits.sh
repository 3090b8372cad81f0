# exits: the tiny guest's exit-count workload (8 reads of 4 KiB) on IDE and on virtio-blk
# with --exit-stats, under real SVM exit semantics. Prints kvmini's `window=1 net=1` line
# (window 1 minus the empty calibration window) for each and a one-line comparison.
T=/rig/tiny.bzImage
dd if=/dev/zero of=ide.img bs=1M count=1 2>/dev/null
dd if=/dev/zero of=vblk.img bs=1M count=1 2>/dev/null
W="op=read size=4096 count=8"

# The line's fields through exit-report (tools/exit_report_main.c), the tests' own parser.
for dev in ide vblk; do
  if [ $dev = ide ]; then arg="--ide ide.img"; else arg="--disk vblk.img"; fi
  vm exits-$dev.log 120 --kernel $T --cmdline "test=exits dev=$dev $W" $arg --exit-stats
  expect_rc 0 "exits dev=$dev"
  expect_line "^exits: dev=$dev op=read size=4096 count=8 .* ok" "exits dev=$dev"
  line=$(exit-report --net 1 exits-$dev.log) || fail "exits dev=$dev: no window=1 net=1 line"
  echo "RIG:   $dev: $line"
  v=$(exit-report --net 1 exits-$dev.log kvm.exits user.exits virtio.notifies kvm.io_exits \
      kvm.mmio_exits time_us) || fail "exits dev=$dev: the window=1 net=1 line lacks a count"
  set -- $v
  eval "${dev}_kvm=$1 ${dev}_user=$2 ${dev}_notify=$3 ${dev}_io=$4 ${dev}_mmio=$5 ${dev}_us=$6"
done
echo "RIG:   8 x 4 KiB reads: IDE kvm.exits=$ide_kvm user.exits=$ide_user io_exits=$ide_io" \
     "time=${ide_us}us | virtio kvm.exits=$vblk_kvm user.exits=$vblk_user" \
     "mmio_exits=$vblk_mmio notifies=$vblk_notify time=${vblk_us}us"
[ "$vblk_user" -gt 0 ] || fail "no virtio user exits counted"
[ "$ide_kvm" -ge "$ide_user" ] || fail "IDE: kvm.exits < user.exits"
[ "$vblk_kvm" -ge "$vblk_user" ] || fail "virtio: kvm.exits < user.exits"
awk "BEGIN{printf \"RIG:   IDE/virtio: kvm.exits %.1fx, user.exits %.1fx\n\", $ide_kvm/$vblk_kvm, $ide_user/$vblk_user}"
ok "exit counts recorded"
