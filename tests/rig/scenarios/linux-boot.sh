# linux-boot: the Linux guest (guest-kernels/linux) under kvmini, with a virtio-blk disk, a
# virtio-rng and 2 vCPUs; its busybox /init (tests/rig/l2-init) prints what it found (the CMOS
# RTC among it, compared with L1's clock passed as l2now=) and reboots, which ends kvmini with
# status 0.
dd if=/dev/zero of=l2disk.img bs=1M count=8 2>/dev/null
vm linux.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M --cpus 2 \
  --disk l2disk.img --rng --cmdline "console=ttyS0 panic=-1 quiet l2test=boot l2now=$(date +%s)"
grep -q '^L2: hello' linux.log || fail "L2 never reached its /init (status $rc after ${secs}s)"
ok "L2 /init reached after $(sed -n 's/^L2: hello at \([0-9.]*\)s.*/\1/p' linux.log)s of guest uptime (run ${secs}s)"
expect_no_l2_fail
expect_line '^L2: PASS virtio-dt' "L2 virtio devices from the device tree"
expect_line '^L2: PASS vda' "L2 /dev/vda"
expect_line '^L2: PASS cpus' "L2 2 CPUs"
expect_line '^L2: PASS hwrng-current virtio_rng' "L2 virtio-rng is the hardware RNG"
expect_line '^L2: PASS hwrng ' "L2 /dev/hwrng read"
expect_line '^L2: PASS pci configuration type 1, host bridge 0x1b36:0x0008 class 0x060000' "kvmini's PCI host bridge found on bus 0, no PCI errors"
expect_line '^L2: PASS rtc0 ' "L2 /dev/rtc0 (rtc-cmos on kvmini's CMOS RTC)"
expect_line '^L2: PASS hwclock ' "L2 hwclock -r -u"
expect_line '^L2: PASS rtc-time ' "L2 RTC time within a minute of L1's clock"
expect_rc 0 "L2 reboot"
ok "L2 rebooted, kvmini status 0"
