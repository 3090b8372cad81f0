# linux-boottime: how long the Linux guest takes from `kvmini run` to its /init (which reboots
# at once), 5 launches with `quiet` and 5 without, as medians. Every console byte is an exit,
# so the difference is the price of a chatty boot. Timed in L1, which runs under QEMU TCG: the
# absolute numbers say little about hardware; the ratio between the two says more.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for mode in quiet loud; do
  q=; [ $mode = quiet ] && q=quiet
  : >times-$mode
  : >uptimes-$mode
  for i in 1 2 3 4 5; do
    vm boot-$mode-$i.log 400 --kernel /rig/linux.bzImage --initrd /rig/l2.cpio.gz --mem 256M \
      --cmdline "console=ttyS0 panic=-1 $q l2test=boottime" >/dev/null
    expect_rc 0 "boot $mode $i"
    expect_line '^L2: init at' "boot $mode $i reached /init"
    echo "$secs" >>times-$mode
    sed -n 's/^L2: init at \([0-9.]*\)s.*/\1/p' boot-$mode-$i.log >>uptimes-$mode
  done
  echo "RIG:   $mode: launch to exit $(tr '\n' ' ' <times-$mode)s; guest uptime at /init $(tr '\n' ' ' <uptimes-$mode)s"
  eval "med_$mode=$(median <times-$mode) up_$mode=$(median <uptimes-$mode)"
done
# What the kernel said about the i8042 and its ports, from the first boot without `quiet` (the
# console shows KERN_INFO and up): read in L1, outside the timed launches.
grep -i -e i8042 -e serio -e atkbd -e 'input:' boot-loud-1.log | sed 's/^/RIG:   loud-1 log: /' || true
echo "RIG:   boottime: median launch-to-exit quiet ${med_quiet}s, without quiet ${med_loud}s;" \
     "median guest uptime at /init quiet ${up_quiet}s, without quiet ${up_loud}s (5 runs each)"
ok "boot times measured"
