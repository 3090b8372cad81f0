# exits: the tiny guest's exit-count workload (8 reads of 4 KiB) on IDE and on virtio-blk
# with --exit-stats, under real SVM exit semantics. Prints kvmini's `window=1 net=1` line
# (window 1 minus the empty calibration window) for each and a one-line comparison.
T=/rig/tiny.bzImage
dd if=/dev/zero of=ide.img bs=1M count=1 2>/dev/null
dd if=/dev/zero of=vblk.img bs=1M count=1 2>/dev/null
W="op=read size=4096 count=8"

field() { # field NAME LINE
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
for dev in ide vblk; do
  if [ $dev = ide ]; then arg="--ide ide.img"; else arg="--disk vblk.img"; fi
  vm exits-$dev.log 120 --kernel $T --cmdline "test=exits dev=$dev $W" $arg --exit-stats
  expect_rc 0 "exits dev=$dev"
  expect_line "^exits: dev=$dev op=read size=4096 count=8 .* ok" "exits dev=$dev"
  line=$(grep 'window=1 net=1' exits-$dev.log)
  [ -n "$line" ] || fail "exits dev=$dev: no window=1 net=1 line"
  echo "RIG:   $dev: $line"
  eval "${dev}_kvm=$(field kvm.exits "$line") ${dev}_user=$(field user.exits "$line")"
  eval "${dev}_notify=$(field virtio.notifies "$line") ${dev}_io=$(field kvm.io_exits "$line")"
  eval "${dev}_mmio=$(field kvm.mmio_exits "$line") ${dev}_us=$(field time_us "$line")"
done
echo "RIG:   8 x 4 KiB reads: IDE kvm.exits=$ide_kvm user.exits=$ide_user io_exits=$ide_io" \
     "time=${ide_us}us | virtio kvm.exits=$vblk_kvm user.exits=$vblk_user" \
     "mmio_exits=$vblk_mmio notifies=$vblk_notify time=${vblk_us}us"
[ -n "$vblk_user" ] && [ "$vblk_user" -gt 0 ] || fail "no virtio user exits counted"
[ -n "$ide_kvm" ] && [ "$ide_kvm" -ge "$ide_user" ] || fail "IDE: kvm.exits < user.exits"
[ "$vblk_kvm" -ge "$vblk_user" ] || fail "virtio: kvm.exits < user.exits"
awk "BEGIN{printf \"RIG:   IDE/virtio: kvm.exits %.1fx, user.exits %.1fx\n\", $ide_kvm/$vblk_kvm, $ide_user/$vblk_user}"
ok "exit counts recorded"
