# linux-stock: Debian's own kernel (the one L1 runs) boots under kvmini and uses /dev/vda.
# That kernel has no device-tree support and is built without the virtio_mmio.device=
# command-line form (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set), so it finds the virtio
# disk the way it would on a cloud VM: kvmini's ACPI tables (a LNRO0005 device in the DSDT),
# and its second CPU in the MADT. Its initramfs carries Debian's virtio modules, virtio-rng's
# among them (its /dev/hwrng is read); its built-in rtc-cmos finds the CMOS RTC as PNP0B00 in
# the DSDT (/dev/rtc0, hwclock). It ends with `poweroff -f`, which must reach kvmini
# through ACPI S5 and end it with status 0.
dd if=/dev/zero of=stock.img bs=1M count=8 2>/dev/null
vm stock.log 600 --kernel /rig/stock.vmlinuz --initrd /rig/stock.cpio.gz --mem 512M --cpus 2 \
  --disk stock.img --rng --cmdline "console=ttyS0 panic=-1 quiet l2test=stock l2now=$(date +%s)"
grep -q '^L2: hello' stock.log || fail "Debian's kernel never reached /init (status $rc after ${secs}s)"
ok "Debian's kernel reached /init after $(sed -n 's/^L2: hello at \([0-9.]*\)s.*/\1/p' stock.log)s of guest uptime (run ${secs}s)"
expect_no_l2_fail
expect_line '^L2: PASS acpi' "the virtio device found through ACPI"
expect_line '^L2: PASS vda ' "/dev/vda"
expect_line '^L2: PASS vda-write-readback' "vda write and read back"
expect_line '^L2: PASS cpus' "2 CPUs from the MADT"
expect_line '^L2: PASS pci configuration type 1' "configuration mechanism #1 found (kvmini's host bridge), no \"PCI: Fatal\" line"
expect_line '^L2: PASS rtc0 ' "/dev/rtc0, the CMOS RTC found through ACPI (PNP0B00)"
expect_line '^L2: PASS hwclock ' "hwclock -r -u"
expect_line '^L2: PASS rtc-time ' "the RTC's time within a minute of L1's clock"
if grep -q '^L2: hwrng not checked' "$log"; then
  ok "no virtio-rng module in L1's kernel: /dev/hwrng not checked"
else
  expect_line '^L2: PASS hwrng-current virtio_rng' "virtio-rng, found through ACPI, is the hardware RNG"
  expect_line '^L2: PASS hwrng ' "/dev/hwrng read"
fi
expect_line '^L2: done .* powering off' "L2 asked to power off"
# Without a working S5 the kernel would halt for ever and the timeout would kill kvmini.
expect_rc 0 "poweroff through ACPI S5"
[ "$(head -c 1048576 stock.img | md5sum)" = "$(pattern stock | md5sum)" ] ||
  fail "the guest's pattern is not in stock.img"
ok "the guest's pattern is in stock.img, byte for byte"
