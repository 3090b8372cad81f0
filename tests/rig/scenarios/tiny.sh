# tiny: kvmini's tiny test guest under real SVM: boot, triple fault, virtio-blk and IDE
# read/write (the pattern checks run in the guest; see guest-kernels/tiny/README.md).
T=/rig/tiny.bzImage

vm hello.log 60 --kernel $T --cmdline "test=hello"
expect_rc 0 "hello"; expect_line '^hello: done' "hello"; ok "hello (${secs}s)"

vm triple.log 60 --kernel $T --cmdline "test=triple-fault"
expect_rc 3 "triple-fault"; ok "triple-fault -> status 3 (${secs}s)"

dd if=/dev/zero of=vblk.img bs=1M count=1 2>/dev/null
vm blk.log 60 --kernel $T --cmdline "test=blk-rw sectors=0-63" --disk vblk.img
expect_rc 0 "blk-rw"; expect_line '^blk-rw: disk 0 sectors 0-63 ok' "blk-rw"; ok "blk-rw (${secs}s)"

dd if=/dev/zero of=ide.img bs=1M count=1 2>/dev/null
vm ide.log 60 --kernel $T --cmdline "test=ide-rw sectors=0-63" --ide ide.img
expect_rc 0 "ide-rw"; expect_line '^ide-rw: sectors 0-63 ok' "ide-rw"; ok "ide-rw (${secs}s)"

# Both paths wrote the same pattern (seed 1) over the same sectors: the images must match.
cmp vblk.img ide.img || fail "virtio-blk and IDE images differ after the same writes"
ok "virtio-blk and IDE images are identical"
