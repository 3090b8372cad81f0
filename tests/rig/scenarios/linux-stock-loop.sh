# linux-stock-loop: Debian's own kernel booted 10 times in a row, as issue reports had it
# triple-fault (2 boots in 16) at 0.7-0.9 s of guest uptime: --mem 512M --cpus 1, a virtio
# disk, `quiet`. Each boot goes to /init and reboots at once (l2test=boottime), ending kvmini
# with status 0. Every boot's status and time are printed; any other status fails the
# scenario, a triple fault (3) with L1's trace of it ("RIG: shutdown trace", l1-init).
n=10 bad=0
dd if=/dev/zero of=loop.img bs=1M count=8 2>/dev/null
for i in $(seq 1 $n); do
  vm loop-$i.log 300 --kernel /rig/stock.vmlinuz --initrd /rig/stock.cpio.gz --mem 512M \
    --cpus 1 --disk loop.img --cmdline "console=ttyS0 panic=-1 quiet l2test=boottime" >/dev/null
  at=$(sed -n 's/^L2: init at \([0-9.]*\)s.*/\1/p' loop-$i.log)
  echo "RIG:   boot $i of $n: status $rc in ${secs}s${at:+, /init at ${at}s of guest uptime}"
  if [ "$rc" != 0 ] || [ -z "$at" ]; then
    bad=$((bad + 1))
    tail -n 5 loop-$i.log | sed 's/^/  | /'
  fi
done
[ $bad -eq 0 ] || fail "$bad of $n boots of Debian's kernel did not reach /init and reboot"
ok "Debian's kernel booted $n times in a row, each to /init and a clean reboot"
