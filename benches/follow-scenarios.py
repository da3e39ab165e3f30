#!/usr/bin/env python3
"""Follower scenarios beyond the tests (hardlink rotation, many rotations, a writer
through copytruncates, a sparse extension, a rotated file gzipped while written): each
runs `summary --follow` with events and with polling and checks the exact count.
Rotations come at most once per poll: faster ones are a limit of following a name
(docs/log-format.md). Needs a release build: `cargo build --release`."""
import os, subprocess, time, json, signal, sys, tempfile, threading
BIN=os.environ.get('BIN', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'target', 'release', 'wontopos-logs'))
def run(name, scenario, poll_only):
    d=tempfile.mkdtemp(); log=os.path.join(d,'app.log')
    open(log,'w').close()
    args=[BIN,'summary','--follow','--interval','100ms','--json']+(['--poll-only'] if poll_only else [])+[log]
    p=subprocess.Popen(args,stdout=subprocess.PIPE,stderr=subprocess.PIPE,text=True)
    time.sleep(0.3)
    n=scenario(d,log)
    time.sleep(7)  # past rotate_wait, so draining files end
    p.send_signal(signal.SIGTERM); out,err=p.communicate(timeout=20)
    last=json.loads(out.strip().splitlines()[-1])
    ok = last['requests']==n and last['lines']==n and last['malformed']==0
    print(f"{name:40s} poll_only={poll_only}: wrote {n}, counted {last['requests']} lines {last['lines']} malformed {last['malformed']} {'OK' if ok else 'FAIL'}")
    return ok
seq=[0]
def line():
    seq[0]+=1; return '{"status":200,"seq":%d}\n'%seq[0]
def hardlink_rotation(d,log):
    n=0
    for r in range(5):
        with open(log,'a') as f:
            for _ in range(50): f.write(line()); n+=1
        time.sleep(0.5)
        os.link(log, log+'.%d'%r); os.unlink(log)
        with open(log+'.%d'%r,'a') as f:
            for _ in range(10): f.write(line()); n+=1
    with open(log,'a') as f:
        for _ in range(5): f.write(line()); n+=1
    return n
def rapid_rotation(d,log):
    n=0
    for r in range(30):
        with open(log,'a') as f:
            for _ in range(7): f.write(line()); n+=1
        time.sleep(0.45)
        os.rename(log, log+'.%d'%r)
    with open(log,'a') as f:
        f.write(line()); n+=1
    return n
def writer_during_copytruncate(d,log):
    # A writer appending all the time; copytruncate loses the lines written
    # between the copy and the truncate, so count what the live file held
    # when the follower could read it: do a sync before each truncate.
    n=0
    f=open(log,'a',buffering=1)
    for r in range(10):
        for _ in range(40): f.write(line()); n+=1
        time.sleep(0.4)   # the follower reads them
        os.truncate(log,0)
        for _ in range(3): f.write(line()); n+=1
    f.close(); return n
def sparse_extension(d,log):
    n=0
    with open(log,'a') as f:
        for _ in range(20): f.write(line()); n+=1
    time.sleep(0.3)
    with open(log,'r+') as f:
        f.seek(0,2); f.truncate(f.tell()+100000)   # a NUL run after the content
    with open(log,'a') as f:
        for _ in range(20): f.write(line()); n+=1
    return n
def gzip_rotated_while_draining(d,log):
    n=0
    with open(log,'a') as f:
        for _ in range(100): f.write(line()); n+=1
    w=open(log,'a',buffering=1)
    os.rename(log, log+'.1')
    for _ in range(30): w.write(line()); n+=1
    subprocess.run(['gzip',log+'.1'])
    for _ in range(5): w.write(line()); n+=1   # written to the unlinked file
    w.close()
    with open(log,'a') as f:
        for _ in range(10): f.write(line()); n+=1
    return n
allok=True
for sc in [hardlink_rotation, rapid_rotation, writer_during_copytruncate, sparse_extension, gzip_rotated_while_draining]:
    for po in (False, True):
        allok &= run(sc.__name__, sc, po)
print('ALL OK' if allok else 'SOME FAILED')
sys.exit(0 if allok else 1)
