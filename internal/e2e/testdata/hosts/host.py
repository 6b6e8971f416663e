"""host.py is the Python process of the end-to-end tests: it loads the test
library with ctypes and answers the same commands as host.c, one per line."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.Compute.restype = ctypes.c_longlong
lib.Compute.argtypes = [ctypes.c_longlong]
lib.Greet.restype = ctypes.c_int
lib.Greet.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
lib.Plain.restype = ctypes.c_void_p
lib.Plain.argtypes = [ctypes.c_char_p]
lib.Add.restype = ctypes.c_longlong
lib.Add.argtypes = [ctypes.c_longlong]
lib.Dot.restype = ctypes.c_double
lib.Dot.argtypes = [ctypes.c_double, ctypes.c_double]
lib.TryPanic.restype = ctypes.c_void_p
lib.TryPanic.argtypes = [ctypes.c_int]
lib.Shape.restype = ctypes.c_int
lib.Shape.argtypes = [ctypes.c_int]
lib.Statics.restype = ctypes.c_int
lib.Flags.restype = ctypes.c_int
lib.NilDeref.restype = ctypes.c_int
lib.NilDerefMarked.restype = ctypes.c_int
lib.BrokenPipe.restype = ctypes.c_int
libc = ctypes.CDLL(None)


def nil_deref_thread():
    """NilDeref on a thread that the host creates."""
    import threading
    result = []
    t = threading.Thread(target=lambda: result.append(lib.NilDeref()))
    t.start()
    t.join()
    return result[0]


libc.free.argtypes = [ctypes.c_void_p]

for line in sys.stdin:
    word, _, arg = line.strip().partition(" ")
    if word == "compute":
        out = lib.Compute(int(arg))
    elif word == "greet":
        buf = ctypes.create_string_buffer(256)
        n = lib.Greet(arg.encode(), buf, 255)
        out = buf.raw[:n].decode()
    elif word == "plain":
        p = lib.Plain(arg.encode())
        out = ctypes.string_at(p).decode()
        libc.free(p)
    elif word == "add":
        out = lib.Add(int(arg))
    elif word == "dot":
        x, y = (float(v) for v in arg.split())
        out = "%g" % lib.Dot(x, y)
    elif word == "trypanic":
        p = lib.TryPanic(int(arg))
        if p:
            out = ctypes.string_at(p).decode().replace("\n", "\\")
            libc.free(p)
        else:
            out = "none"
    elif word == "shape":
        out = lib.Shape(int(arg))
    elif word == "statics":
        out = lib.Statics()
    elif word == "flags":
        out = lib.Flags()
    elif word == "nilderef":
        out = lib.NilDeref()
    elif word == "nilderef-thread":
        out = nil_deref_thread()
    elif word == "nilderef-marked":
        out = lib.NilDerefMarked()
    elif word == "nilderef-copy":
        out = ctypes.CDLL(arg).NilDeref()
    elif word == "brokenpipe":
        out = lib.BrokenPipe()
    elif word == "brokenpipe-copy":
        out = ctypes.CDLL(arg).BrokenPipe()
    elif word == "quit":
        break
    else:
        out = "unknown command " + word
    print(out, flush=True)
