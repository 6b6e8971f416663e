"""checked_host.py drives the checked-mode library from Python with ctypes,
one command per line, like host.py."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
for name in ("Restock", "Label"):
    getattr(lib, name).restype = ctypes.c_void_p
    getattr(lib, name).argtypes = [ctypes.c_char_p]
for name in ("AddGold", "Pad"):
    getattr(lib, name).restype = ctypes.c_longlong
    getattr(lib, name).argtypes = [ctypes.c_longlong]
libc = ctypes.CDLL(None)
libc.free.argtypes = [ctypes.c_void_p]


def text(p):
    s = ctypes.string_at(p).decode()
    libc.free(p)
    return s


for line in sys.stdin:
    word, _, arg = line.strip().partition(" ")
    if word == "restock":
        out = text(lib.Restock(arg.encode()))
    elif word == "label":
        out = text(lib.Label(arg.encode()))
    elif word == "gold":
        out = lib.AddGold(int(arg))
    elif word == "pad":
        out = lib.Pad(int(arg))
    elif word == "quit":
        break
    else:
        out = "unknown command " + word
    print(out, flush=True)
