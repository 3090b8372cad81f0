# bench-peers: bench/peers (bench/run-peers), not a test: not in the default scenario list nor
# in tests/run. Boots Debian's stock kernel (L1's own vmlinuz) with one initramfs
# (bench/peers/l2-init, uring-bench, Debian's virtio modules) and one 64 MiB disk image under
# each set-up in /rig/peers/setups (bench/peers/setups: kvmini's modes, QEMU microvm, QEMU q35
# with virtio-blk-pci), alternately, N rounds (/rig/peers/n). peerstat (bench/peers/peerstat.c)
# launches each VMM and measures the boot: launch to /init, launch to exit, the VMM's own
# memory, the guest's IOPS and MB/s, and L1 KVM's exits per request (debugfs). Each boot gives
# one `RIG:   peers: setup=NAME round=R key=value...` line, which bench/run-peers turns into
# medians and ratios. A boot that fails is printed and fails the scenario; it is not run again.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -r /sys/kernel/debug/kvm/exits ] || fail "no KVM statistics in L1's debugfs (/sys/kernel/debug/kvm/exits)"
command -v qemu-system-x86_64 >/dev/null || fail "no QEMU in L1"
echo "RIG:   $(qemu-system-x86_64 --version | head -n1)"
N=$(cat /rig/peers/n)
counts=$(cat /rig/peers/counts)
mem=512
echo "RIG:   L1 memory: $(grep -e MemTotal -e MemAvailable /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
dd if=/dev/zero of=/tmp/peers.img bs=1M count=64 2>/dev/null || fail "cannot make the disk image"
C="console=ttyS0 panic=-1 quiet virtio_blk.poll_queues=1 peers_n=$counts"
grep -v -e '^#' -e '^ *$' /rig/peers/setups >/tmp/peers.setups
only=$(cat /rig/peers/only)
if [ -n "$only" ]; then
  echo "RIG:   only the set-ups $only (RIG_PEERS_ONLY): a trial"
  for s in $(echo "$only" | tr ',' ' '); do grep "^$s|" /tmp/peers.setups; done >/tmp/peers.only
  mv /tmp/peers.only /tmp/peers.setups
fi
[ -s /tmp/peers.setups ] || fail "no set-ups"
echo "RIG:   $N rounds of: $(cut -d'|' -f1 /tmp/peers.setups | tr '\n' ' '); workload requests (qd1,qd32,seqread,seqwrite) $counts; guest RAM ${mem}M"
failed=
# After an L1 stop, a fresh L1 goes on from the first round not finished (tests/rig/run:
# rig_peers_from=R): the rounds done stand, in the log, as they would have.
r=$(sed -n 's/.*rig_peers_from=\([0-9]*\).*/\1/p' /proc/cmdline)
r=${r:-1}
[ "$r" -eq 1 ] || echo "RIG:   going on from round $r (rounds before it ran in an L1 that stopped)"
while [ "$r" -le "$N" ]; do
  i=1
  nsetups=$(wc -l </tmp/peers.setups)
  while [ "$i" -le "$nsetups" ]; do
    line=$(sed -n "${i}p" /tmp/peers.setups)
    i=$((i + 1))
    name=${line%%|*}
    rest=${line#*|}
    mode=${rest%%|*}
    cmd=$(echo "${rest#*|}" | sed -e "s|@KERNEL@|/rig/stock.vmlinuz|g" -e "s|@INITRD@|/rig/peers.cpio.gz|g" \
      -e "s|@DISK@|/tmp/peers.img|g" -e "s|@MEM@|$mem|g")
    set -f
    set --
    for w in $cmd; do
      if [ "$w" = @CMDLINE@ ]; then set -- "$@" "$C peers=$mode"; else set -- "$@" "$w"; fi
    done
    set +f
    [ "$r" -gt 1 ] || echo "RIG:   \$ $*"
    out=/tmp/peers-$name-$r
    peerstat 300 $mem $out.log -- "$@" </dev/null >$out.out 2>&1
    sed 's/^/RIG:   | /' $out.out
    # The guest's own lines (the first round's in full, failures always).
    if [ "$r" = 1 ]; then
      grep -e 'PEERS: vda' -e 'PEERS: init' -e 'PEERS: boot gap' -e 'PEERS: poweroff' $out.log |
        sed 's/^/RIG:   | L2 /'
    fi
    grep -e 'PEERS: FAIL' $out.log | sed 's/^/RIG:   | L2 /'
    sum=$(sed -n 's/^peerstat: summary //p' $out.out)
    echo "RIG:   peers: setup=$name round=$r $sum"
    why=
    case " $sum " in
      *" status=0 "*) ;; *) why="status not 0" ;;
    esac
    case " $sum " in *" init_ms=-1.0 "*) why="$why; no /init" ;; esac
    case " $sum " in *" ram_vmas="*) why="$why; guest RAM mapping not found" ;; esac
    for k in qd1 qd32 seqread seqwrite; do
      case " $sum " in *" $k.bad=0 "*) ;; *) why="$why; $k missing or failed" ;; esac
    done
    if grep -q 'PEERS: FAIL' $out.log; then why="$why; L2 FAIL lines"; fi
    if [ -n "$why" ]; then
      echo "RIG:   FAILED boot: $name round $r: $why; its console:"
      tail -n 30 $out.log | sed 's/^/RIG:   | /'
      failed="$failed $name/$r"
    fi
  done
  r=$((r + 1))
done
[ -z "$failed" ] || fail "boots that failed:$failed"
ok "rounds up to $N of $(wc -l </tmp/peers.setups) set-ups"
