# linux-panic: the Linux guest panics (its /init exits); with panic=-1 it would reboot, which
# kvmini cannot tell from a clean reboot, but the kernel first reports the panic through
# pvpanic (qemu,pvpanic-mmio in kvmini's device tree), so kvmini must end with status 5.
vm panic.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
  --cmdline "console=ttyS0 panic=-1 quiet l2test=panic"
expect_line '^L2: exiting init' "L2 reached its /init"
expect_line 'Kernel panic' "the guest kernel panicked"
expect_rc 5 "pvpanic"
expect_line 'guest kernel panicked (pvpanic)' "kvmini said why"
ok "L2 panic reported through pvpanic: kvmini status 5"
