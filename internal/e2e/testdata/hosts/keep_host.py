"""keep_host.py is the Python process of the kept-state tests: it loads the
keep library with ctypes and answers the same commands as keep_host.c."""
import ctypes
import sys
import threading
import time

lib = ctypes.CDLL(sys.argv[1])
lib.Spawn.restype = ctypes.c_int
lib.Spawn.argtypes = [ctypes.c_char_p]
lib.Step.restype = ctypes.c_longlong
lib.Incr.restype = None
lib.Describe.restype = ctypes.c_void_p
lib.IsRetired.restype = ctypes.c_int
libc = ctypes.CDLL(None)
libc.free.argtypes = [ctypes.c_void_p]

stop = threading.Event()
calls = [0] * 8
threads = []


def incr(i):
    n = 0
    while not stop.is_set():
        for _ in range(100):
            lib.Incr()
        n += 100
        time.sleep(0.001)
    calls[i] = n


for line in sys.stdin:
    word, _, arg = line.strip().partition(" ")
    if word == "spawn":
        out = lib.Spawn(arg.encode())
    elif word == "step":
        out = lib.Step()
    elif word == "describe":
        p = lib.Describe()
        out = ctypes.string_at(p).decode()
        libc.free(p)
    elif word == "incr-start":
        threads = [threading.Thread(target=incr, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        out = "started"
    elif word == "incr-stop":
        stop.set()
        for t in threads:
            t.join()
        out = sum(calls)
    elif word == "retired":
        out = lib.IsRetired()
    elif word == "retired-copy":
        out = ctypes.CDLL(arg).IsRetired()
    elif word == "quit":
        break
    else:
        out = "unknown command " + word
    print(out, flush=True)
