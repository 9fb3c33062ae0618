# Regenerates CPythonPickleVectors.cs: python3 make_pickle_vectors.py (plain CPython, no torch needed).
# Builds torch.save-style data.pkl pickles with CPython's own pickler (fake torch modules, no torch needed).
import pickle, sys, types, collections, argparse
torch = types.ModuleType('torch'); utils = types.ModuleType('torch._utils')
sys.modules['torch'] = torch; sys.modules['torch._utils'] = utils; torch._utils = utils
def _rebuild_tensor_v2(*a): pass
def _rebuild_parameter(*a): pass
utils._rebuild_tensor_v2 = _rebuild_tensor_v2; utils._rebuild_parameter = _rebuild_parameter
for f in (_rebuild_tensor_v2, _rebuild_parameter): f.__module__ = 'torch._utils'
class FloatStorage: pass
class HalfStorage: pass
class LongStorage: pass
for c in (FloatStorage, HalfStorage, LongStorage): c.__module__ = 'torch'; setattr(torch, c.__name__, c)
class Storage:
    def __init__(s, typ, key, numel): s.typ, s.key, s.numel = typ, key, numel
class Tensor:
    def __init__(s, storage, off, size, stride): s.a = (storage, off, size, stride, False, collections.OrderedDict())
    def __reduce_ex__(s, proto): return (_rebuild_tensor_v2, s.a)
class Param:
    def __init__(s, t): s.t = t
    def __reduce_ex__(s, proto): return (_rebuild_parameter, (s.t, True, collections.OrderedDict()))
class P(pickle.Pickler):
    def persistent_id(s, o):
        if isinstance(o, Storage): return ('storage', o.typ, o.key, 'cpu', o.numel)
        return None
sd = collections.OrderedDict()
sd['w'] = Tensor(Storage(FloatStorage, '0', 6), 0, (2, 3), (3, 1))
sd['wt'] = Tensor(Storage(FloatStorage, '0', 6), 1, (2, 2), (1, 3))
sd['b'] = Param(Tensor(Storage(HalfStorage, '1', 3), 0, (3,), (1,)))
sd['n'] = Tensor(Storage(LongStorage, '2', 1), 0, (), ())
obj = {'params': sd, 'meta': {'epoch': 3, 'lr': 1e-4, 'name': 'héllo', 'big': 2**70, 'neg': -70000, 'set': {1, 2},
       'fz': frozenset([3]), 'bytes': b'ab', 'ba': bytearray(b'cd'), 'tuple': (1,), 'ns': argparse.Namespace(a=1), 'none': None, 'list': [True, False]}}
import io
for proto in range(1, 6):
    b = io.BytesIO(); P(b, protocol=proto).dump(obj)
    print(f'        [{proto}] = "{b.getvalue().hex()}",')
