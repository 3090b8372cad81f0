# linux-blk: the Linux guest's virtio_blk driver on three disks: a pattern it writes to vda
# must be in vda.img byte for byte; the host's pattern in vdb.img (read-only) must read back
# and vdb.img stay unchanged; vdc gets an ext2 file system (mkfs, mount, copy, sync, checksum).
dd if=/dev/zero of=vda.img bs=1M count=8 2>/dev/null
{ pattern host; dd if=/dev/zero bs=1M count=7 2>/dev/null; } >vdb.img
dd if=/dev/zero of=vdc.img bs=1M count=16 2>/dev/null
before=$(md5sum <vdb.img)
vm blk.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
  --disk vda.img --disk vdb.img,ro --disk vdc.img \
  --cmdline "console=ttyS0 panic=-1 quiet l2test=blk"
expect_no_l2_fail
expect_line '^L2: PASS vda-write' "L2 wrote vda"
expect_line '^L2: PASS vda-readback' "L2 read vda back"
expect_line '^L2: PASS vdb-host-pattern' "L2 read the host's pattern"
expect_line '^L2: PASS vdb-ro' "L2 could not write the read-only disk"
expect_line '^L2: PASS ext2' "L2 ext2 round trip"
expect_rc 0 "L2 reboot"
[ "$(head -c 1048576 vda.img | md5sum)" = "$(pattern guest | md5sum)" ] ||
  fail "the guest's pattern is not in vda.img"
ok "the guest's pattern is in vda.img, byte for byte"
[ "$(md5sum <vdb.img)" = "$before" ] || fail "the read-only vdb.img changed"
ok "the read-only vdb.img is unchanged"
