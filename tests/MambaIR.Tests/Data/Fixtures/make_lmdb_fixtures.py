"""Makes the LMDB fixtures with py-lmdb (LMDB 0.9.x, the library BasicSR uses). Run with a python that has `lmdb`
(Debian: apt-get install python3-lmdb) from this folder: python3 make_lmdb_fixtures.py
basicsr.lmdb: BasicSR layout (PNG values written like create_lmdb_for_div2k: key order, meta_info.txt, level 1).
raw.lmdb: 400 keys with values of 0..119 bytes and every 100th of 3000+ bytes, so the tree has branch pages and overflow pages."""
import lmdb, os, shutil, struct, zlib

def png(w, h, c, seed):
    raw = b''
    v = seed
    for y in range(h):
        row = bytearray([0])
        for x in range(w * c):
            v = (v * 1103515245 + 12345) & 0x7fffffff
            row.append((v >> 16) & 255)
        raw += bytes(row)
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2 if c == 3 else 0, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(raw, 1)) + chunk(b'IEND', b'')

for d in ('basicsr.lmdb', 'raw.lmdb'):
    shutil.rmtree(d, ignore_errors=True)

imgs = [('img_s001', 8, 6, 3), ('img_s002', 40, 30, 3), ('img_s003', 5, 7, 1)]
env = lmdb.open('basicsr.lmdb', map_size=1 << 20)
txn = env.begin(write=True)
with open(os.path.join('basicsr.lmdb', 'meta_info.txt'), 'w') as f:
    for i, (key, w, h, c) in enumerate(imgs):
        txn.put(key.encode('ascii'), png(w, h, c, i + 1))
        f.write(f'{key}.png ({h},{w},{c}) 1\n')
txn.commit()
env.close()

env = lmdb.open('raw.lmdb', map_size=1 << 22)
with env.begin(write=True) as txn:
    for i in range(400):
        n = (i * 7) % 120 if i % 100 != 50 else 3000 + 1000 * (i // 100)
        txn.put(b'k%05d' % i, bytes(((i + j) * 7) & 255 for j in range(n)))
env.close()
for d in ('basicsr.lmdb', 'raw.lmdb'):
    os.remove(os.path.join(d, 'lock.mdb'))
