# linux-ide: the Linux guest's pata_legacy driver on kvmini's emulated IDE disk (0x1F0-0x1F7,
# 0x3F6, IRQ 14): the guest's pattern must be in the image byte for byte, the host's pattern
# must read back with O_DIRECT, IRQ 14 must fire; then an ext2 round trip on the whole disk,
# and a read-only disk that reads but refuses writes. Sizes are small (256 KiB, a 4 MiB file
# system) because a PIO write costs a VM exit per 16-bit word (see tests/rig/l2-init).
# pata_legacy.probe_mask=1: only the primary port range is probed.
C="console=ttyS0 panic=-1 pata_legacy.probe_mask=1 quiet"
{ dd if=/dev/zero bs=1M count=2 2>/dev/null; pattern host; dd if=/dev/zero bs=1M count=5 2>/dev/null; } >sda.img
vm ide.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
  --ide sda.img --cmdline "$C l2test=ide"
expect_no_l2_fail
expect_line '^L2: PASS sda ' "L2 /dev/sda through pata_legacy"
expect_line '^L2: PASS sda-write' "L2 wrote sda"
expect_line '^L2: PASS sda-readback' "L2 read sda back (O_DIRECT)"
expect_line '^L2: PASS sda-host-pattern' "L2 read the host's pattern"
expect_line '^L2: PASS irq14' "IRQ 14 reached the guest"
expect_rc 0 "L2 reboot"
[ "$(head -c 262144 sda.img | md5sum)" = "$(pattern guest 262144 | md5sum)" ] ||
  fail "the guest's pattern is not in sda.img"
ok "the guest's pattern is in sda.img, byte for byte"

dd if=/dev/zero of=sda2.img bs=1M count=4 2>/dev/null
vm ide-ext2.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
  --ide sda2.img --cmdline "$C l2test=ide-ext2"
expect_no_l2_fail
expect_line '^L2: PASS ext2' "L2 ext2 round trip on sda"
expect_rc 0 "L2 reboot"

before=$(md5sum <sda.img)
vm ide-ro.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
  --ide sda.img,ro --cmdline "$C l2test=ide-ro"
expect_no_l2_fail
expect_line '^L2: PASS sda-ro-read' "L2 read the read-only IDE disk"
expect_line '^L2: PASS sda-ro' "L2 could not write the read-only IDE disk"
expect_rc 0 "L2 reboot"
[ "$(md5sum <sda.img)" = "$before" ] || fail "the read-only sda.img changed"
ok "the read-only sda.img is unchanged"
