"""Makes textzoom.lmdb with py-lmdb (LMDB 0.9.x, the library the TextZoom / BasicSR loaders use), laid out like the real
TextZoom train/test LMDBs: 1-based keys label-%09d, image_hr-%09d, image_lr-%09d (PNG bytes) and num-samples.
Run with a python that has `lmdb` (Debian: apt-get install python3-lmdb; py-lmdb 1.4.0 bundling LMDB 0.9.24 was used) from this folder: /usr/bin/python3 make_textzoom_fixture.py
Pixels: RGB rows of an LCG, v = (v * 1103515245 + 12345) & 0x7fffffff, byte = (v >> 16) & 255, seeded per image."""
import lmdb, os, shutil, struct, zlib

def png(w, h, seed):
    raw = b''
    v = seed
    for y in range(h):
        row = bytearray([0])
        for x in range(w * 3):
            v = (v * 1103515245 + 12345) & 0x7fffffff
            row.append((v >> 16) & 255)
        raw += bytes(row)
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')

# (label, HR width, HR height, LR width, LR height); image seeds: HR 10 * i, LR 10 * i + 1 (i 1-based)
samples = [('Hello', 24, 8, 12, 4), ('42nd', 30, 10, 15, 5), ('ok!', 20, 6, 10, 3)]
shutil.rmtree('textzoom.lmdb', ignore_errors=True)
env = lmdb.open('textzoom.lmdb', map_size=1 << 20)
with env.begin(write=True) as txn:
    for i, (label, hw, hh, lw, lh) in enumerate(samples, 1):
        txn.put(b'label-%09d' % i, label.encode('utf-8'))
        txn.put(b'image_hr-%09d' % i, png(hw, hh, 10 * i))
        txn.put(b'image_lr-%09d' % i, png(lw, lh, 10 * i + 1))
    txn.put(b'num-samples', str(len(samples)).encode('ascii'))
env.close()
os.remove(os.path.join('textzoom.lmdb', 'lock.mdb'))
