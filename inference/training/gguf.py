"""A small GGUF v3 writer and reader (little-endian, alignment 32).

Layout: "GGUF", u32 version, u64 tensor_count, u64 kv_count; kv pairs (gguf string key, u32 type,
value); tensor infos (name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset relative to the
aligned data section); padding; tensor data, each tensor starting on an aligned offset.
ne[0] is the contiguous dimension, i.e. a numpy array of shape (a, b, c) has ne = [c, b, a].
"""

import struct

import numpy as np

GGUF_MAGIC = b"GGUF"
ALIGNMENT = 32

# gguf metadata value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, \
    FLOAT64 = range(13)
_SCALAR_FMT = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
               FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}

# ggml tensor types used here
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
TYPE_NAMES = {GGML_F32: "F32", GGML_F16: "F16", GGML_Q8_0: "Q8_0"}
QK8_0 = 32


class GgufError(RuntimeError):
    pass


def quantize_q8_0(a):
    """ggml Q8_0: blocks of 32 values -> fp16 scale d = max|x|/127, int8 q = round(x/d)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    if a.shape[-1] % QK8_0:
        raise GgufError(f"Q8_0 needs rows that are a multiple of {QK8_0}, got {a.shape}")
    blocks = a.reshape(-1, QK8_0)
    amax = np.abs(blocks).max(axis=1)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0.0)
    q = np.round(blocks * inv[:, None]).astype(np.int8)
    out = np.empty(len(blocks), dtype=[("d", "<f2"), ("q", "i1", (QK8_0,))])
    out["d"] = d.astype(np.float16)
    out["q"] = q
    return out.tobytes()


def dequantize_q8_0(raw, shape):
    blocks = np.frombuffer(raw, dtype=[("d", "<f2"), ("q", "i1", (QK8_0,))])
    vals = blocks["q"].astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return vals.reshape(shape)


class GgufWriter:
    def __init__(self):
        self.kv = []  # (key, type, value, array_item_type)
        self.tensors = []  # (name, ne, ggml_type, bytes)

    def add(self, key, vtype, value, item_type=None):
        self.kv.append((key, vtype, value, item_type))

    def add_string(self, key, value):
        self.add(key, STRING, value)

    def add_u32(self, key, value):
        self.add(key, UINT32, int(value))

    def add_f32(self, key, value):
        self.add(key, FLOAT32, float(value))

    def add_bool(self, key, value):
        self.add(key, BOOL, bool(value))

    def add_array(self, key, item_type, values):
        self.add(key, ARRAY, list(values), item_type)

    def add_tensor(self, name, array, ggml_type):
        """array: numpy array in PyTorch/numpy order; stored with ne = reversed(shape)."""
        a = np.asarray(array)
        ne = list(reversed(a.shape))
        if ggml_type == GGML_F32:
            raw = np.ascontiguousarray(a, dtype="<f4").tobytes()
        elif ggml_type == GGML_F16:
            raw = np.ascontiguousarray(a, dtype="<f2").tobytes()
        elif ggml_type == GGML_Q8_0:
            raw = quantize_q8_0(a)
        else:
            raise GgufError(f"unsupported tensor type {ggml_type}")
        self.tensors.append((name, ne, ggml_type, raw))

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def _value(self, vtype, value, item_type):
        if vtype == STRING:
            return self._str(value)
        if vtype == ARRAY:
            out = [struct.pack("<IQ", item_type, len(value))]
            if item_type == STRING:
                out += [self._str(v) for v in value]
            else:
                out.append(np.asarray(value, dtype=np.dtype(_SCALAR_FMT[item_type])).tobytes())
            return b"".join(out)
        return struct.pack(_SCALAR_FMT[vtype], value)

    def write(self, path):
        head = [GGUF_MAGIC, struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))]
        for key, vtype, value, item_type in self.kv:
            head += [self._str(key), struct.pack("<I", vtype), self._value(vtype, value, item_type)]
        offset = 0
        offsets = []
        for name, ne, gtype, raw in self.tensors:
            offsets.append(offset)
            head += [self._str(name), struct.pack("<I", len(ne)),
                     struct.pack(f"<{len(ne)}Q", *ne), struct.pack("<IQ", gtype, offset)]
            offset += len(raw)
            offset += (-offset) % ALIGNMENT
        header = b"".join(head)
        header += b"\0" * ((-len(header)) % ALIGNMENT)
        with open(path, "wb") as f:
            f.write(header)
            pos = 0
            for (name, ne, gtype, raw), off in zip(self.tensors, offsets):
                f.write(b"\0" * (off - pos))
                f.write(raw)
                pos = off + len(raw)


class GgufReader:
    """Parses and validates a GGUF v3 file: every count, length and offset is checked."""

    def __init__(self, path):
        self.path = path
        self.data = open(path, "rb").read()
        self.pos = 0
        self.kv = {}
        self.tensors = {}
        self._parse()

    def _need(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise GgufError(f"{self.path}: truncated at byte {self.pos} (need {n} more bytes)")

    def _unpack(self, fmt):
        size = struct.calcsize(fmt)
        self._need(size)
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return v if len(v) > 1 else v[0]

    def _string(self):
        n = self._unpack("<Q")
        self._need(n)
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def _value(self, vtype):
        if vtype == STRING:
            return self._string()
        if vtype == ARRAY:
            item, n = self._unpack("<IQ")
            if item == STRING:
                return [self._string() for _ in range(n)]
            if item not in _SCALAR_FMT:
                raise GgufError(f"{self.path}: bad array item type {item}")
            dt = np.dtype(_SCALAR_FMT[item])
            self._need(n * dt.itemsize)
            arr = np.frombuffer(self.data, dtype=dt, count=n, offset=self.pos)
            self.pos += n * dt.itemsize
            return arr.tolist()
        if vtype not in _SCALAR_FMT:
            raise GgufError(f"{self.path}: bad value type {vtype}")
        return self._unpack(_SCALAR_FMT[vtype])

    def _parse(self):
        self._need(4)
        if self.data[:4] != GGUF_MAGIC:
            raise GgufError(f"{self.path}: not a GGUF file (bad magic)")
        self.pos = 4
        self.version, n_tensors, n_kv = self._unpack("<IQQ")
        if self.version != 3:
            raise GgufError(f"{self.path}: GGUF version {self.version}, expected 3")
        if n_tensors > 1 << 20 or n_kv > 1 << 20:
            raise GgufError(f"{self.path}: implausible counts {n_tensors} tensors, {n_kv} kv")
        for _ in range(n_kv):
            key = self._string()
            vtype = self._unpack("<I")
            self.kv[key] = self._value(vtype)
        infos = []
        for _ in range(n_tensors):
            name = self._string()
            nd = self._unpack("<I")
            if not 1 <= nd <= 4:
                raise GgufError(f"{self.path}: tensor {name} has {nd} dims")
            ne = list(self._unpack(f"<{nd}Q")) if nd > 1 else [self._unpack("<Q")]
            gtype, off = self._unpack("<IQ")
            infos.append((name, ne, gtype, off))
        align = int(self.kv.get("general.alignment", ALIGNMENT))
        self.data_start = self.pos + (-self.pos) % align
        for name, ne, gtype, off in infos:
            count = int(np.prod(ne))
            if gtype == GGML_F32:
                nbytes = 4 * count
            elif gtype == GGML_F16:
                nbytes = 2 * count
            elif gtype == GGML_Q8_0:
                if ne[0] % QK8_0:
                    raise GgufError(f"{self.path}: Q8_0 tensor {name} row {ne[0]} not /32")
                nbytes = count // QK8_0 * 34
            else:
                raise GgufError(f"{self.path}: tensor {name} has unsupported type {gtype}")
            start = self.data_start + off
            if off % align or start + nbytes > len(self.data):
                raise GgufError(f"{self.path}: tensor {name} data out of range or misaligned")
            self.tensors[name] = (ne, gtype, start, nbytes)

    def tensor(self, name):
        """Returns the tensor as float32 numpy in numpy order (shape = reversed ne)."""
        ne, gtype, start, nbytes = self.tensors[name]
        raw = self.data[start:start + nbytes]
        shape = tuple(reversed(ne))
        if gtype == GGML_F32:
            return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
        if gtype == GGML_F16:
            return np.frombuffer(raw, dtype="<f2").astype(np.float32).reshape(shape)
        return dequantize_q8_0(raw, shape)
