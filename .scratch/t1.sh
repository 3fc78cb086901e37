#!/bin/bash
R=${R:-$PWD/build/src/ocirun}
B=/tmp/b; mkdir -p $B/rootfs/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox $B/rootfs/bin/; for c in sh cat sleep echo seq nc ip ls; do ln -sf busybox $B/rootfs/bin/$c; done
cd $B && $R spec
python3 - <<'PY'
import json
c=json.load(open('config.json'))
c['process']['terminal']=False
c['process']['args']=['sh','-c','i=0; while true; do echo $i > /tmp/count; i=$((i+1)); sleep 0.2; done']
c['root']['readonly']=False
json.dump(c,open('config.json','w'))
PY
criu check; echo criu-check=$?
sleep 1000 | $R run -d c1 2>&1 | cat > /tmp/out & sleep 3; echo run=$?
sleep 2; cat $B/rootfs/tmp/count
time $R checkpoint --image-path /tmp/img c1; echo ckpt=$?
tail -5 /tmp/img/dump.log
ls /tmp/img | head; cat /tmp/img/descriptors.json; echo
$R state c1; echo state=$?
c1=$(cat $B/rootfs/tmp/count); sleep 1; c2=$(cat $B/rootfs/tmp/count); echo "after ckpt: $c1 $c2"
sleep 1000 | $R restore -d --image-path /tmp/img -b $B c2 2>&1 | cat > /tmp/out2; echo restore=$?
cat /tmp/out2; tail -5 /tmp/img/restore.log
sleep 1; cat $B/rootfs/tmp/count; $R state c2; $R ps c2
cat /sys/fs/cgroup/c2/cgroup.procs
$R exec c2 cat /tmp/count
$R delete -f c2; echo del=$?
ls /sys/fs/cgroup/ | grep c2; ls /run/ocirun
