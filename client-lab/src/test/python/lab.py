"""Lab 2 as a student writes it in Python, with the client openapi-generator made from the served
document (generator python-pydantic-v1: its runtime is Debian's python3-urllib3, python3-pydantic,
python3-dateutil). Usage: PYTHONPATH=<generated> python3 lab.py http://127.0.0.1:18880

Expected numbers follow the kernel: a FOLL_PIN on a small folio adds GUP_PIN_COUNTING_BIAS (1024) to
its refcount (include/linux/mm.h) on top of the mapping's own reference.
"""
import sys

import pinlab_client as pl
from pinlab_client.rest import ApiException

base = sys.argv[1]
client = pl.ApiClient(pl.Configuration(host=base))
created = pl.SessionsApi(client).create_session(pl.CreateSessionRequest(profile="v6.5", label="python client lab"))
authed = pl.ApiClient(pl.Configuration(host=base, access_token=created.token))
sid, pid = created.id, created.init_pid
try:
    memory, gup = pl.MemoryApi(authed), pl.GupApi(authed)
    mm = memory.mmap(sid, pid, pl.MmapRequest(length=16384, prot=["PROT_READ", "PROT_WRITE"],
                                              flags=["MAP_PRIVATE", "MAP_ANONYMOUS"]))
    assert mm.errno is None, mm
    buf = mm.addr
    assert memory.access(sid, pid, pl.AccessRequest(addr=buf, length=16384, access="write", value=7)).ret == 16384
    pin = gup.gup(sid, pid, pl.GupCallRequest(call="pin_user_pages_fast", start=buf, nr_pages=4,
                                             gup_flags=["FOLL_WRITE", "FOLL_LONGTERM"]))
    assert pin.ret == 4, pin
    pages = memory.get_pagemap(sid, pid, buf, 16384)
    assert [p.folio.refcount for p in pages] == [1 + 1024] * 4, pages
    assert gup.release_pin(sid, pin.pin.id, pl.ReleaseRequest(how="unpin_user_pages")).ret == 0
    assert memory.get_pagemap(sid, pid, buf, 4096)[0].folio.refcount == 1
    uring = pl.IoUringApi(authed)
    ring = uring.io_uring_setup(sid, pid, pl.SetupRequest(entries=8)).ret
    reg = uring.io_uring_register(sid, pid, pl.RegisterRequest(fd=ring, opcode="IORING_REGISTER_BUFFERS",
                                                               iovecs=[pl.IovecJson(base=buf, len=16384)]))
    assert reg.ret == 0, reg
    child = pl.ProcessesApi(authed).fork(sid, pid)
    assert child.ppid == pid
    assert "Linux" in pl.ObservabilityApi(authed).get_dmesg(sid)
finally:
    pl.SessionsApi(authed).delete_session(sid)
try:
    pl.SessionsApi(authed).get_session(sid)
    raise AssertionError("session still there after delete")
except ApiException as e:
    assert e.status == 404, e
print("python client lab: ok")
