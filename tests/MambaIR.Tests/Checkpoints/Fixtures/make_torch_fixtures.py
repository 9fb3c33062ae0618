# Writes small checkpoints with real PyTorch (run where torch is installed) for MambaIR.NET's checkpoint tests:
#   python3 make_torch_fixtures.py OUTDIR
# expected.safetensors holds, as "FILE/KEY", a contiguous copy of every tensor the reader must return.
import argparse, collections, io, os, sys, tarfile
import numpy as np, torch, torch.nn as nn
from safetensors.torch import save_file

out = sys.argv[1]; os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
expected = {}

def mixed():
    x = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    base = torch.randn(5, 7)
    return collections.OrderedDict([
        ('f32', torch.randn(3, 4)),
        ('transposed', base.t()),                  # non-contiguous view
        ('slice', base[1:4, 2:5]),                 # offset + strides, shares base's storage
        ('row', x[2]), ('col', x[:, 3]),           # two views of one storage
        ('f16', torch.randn(6).half()), ('bf16', torch.randn(5).bfloat16()), ('f64', torch.randn(2, 2).double()),
        ('i64', torch.tensor(1234567890123)), ('i32', torch.tensor([-5, 7], dtype=torch.int32)),
        ('i16', torch.tensor([300, -2], dtype=torch.int16)), ('i8', torch.tensor([-128, 5], dtype=torch.int8)),
        ('u8', torch.tensor([0, 255], dtype=torch.uint8)), ('bool', torch.tensor([True, False])),
        ('c64', torch.randn(3, dtype=torch.complex64)), ('empty', torch.zeros(0, 3)),
        ('expanded', torch.randn(3, 1).expand(3, 4)),
    ])

def record(name, sd, prefix=''):
    for k, v in sd.items():
        expected[f'{name}/{k}'] = v.detach().clone().contiguous()

sd = mixed()
for name, kw in [('zip_p2.pth', {}), ('zip_p4.pth', {'pickle_protocol': 4}), ('legacy.pth', {'_use_new_zipfile_serialization': False})]:
    torch.save(sd, os.path.join(out, name), **kw); record(name, sd)

model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Linear(3, 3))
ema = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Linear(3, 3))
opt = torch.optim.Adam(model.parameters(), lr=2e-4)
model(torch.randn(1, 1, 5, 5)).sum().backward(); opt.step()
train = {'params': model.state_dict(), 'params_ema': ema.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3,
         'args': argparse.Namespace(lr=2e-4, name='x'), 'np_float': np.float64(1.5), 'np_int': np.int64(7),
         'np_array': np.arange(3)}
torch.save(train, os.path.join(out, 'training.pth'))
record('training.pth', ema.state_dict())
dp = collections.OrderedDict(('module.' + k, v) for k, v in model.state_dict().items())
torch.save({'state_dict': dp}, os.path.join(out, 'dataparallel.pth.tar'))
record('dataparallel.pth.tar', model.state_dict())
torch.save({'p': nn.Parameter(torch.randn(2, 2)), 'b': torch.randn(2)}, os.path.join(out, 'parameter.pt'))
try:
    torch.serialization.set_crc32_options(False)
    torch.save(model.state_dict(), os.path.join(out, 'nocrc.pth')); record('nocrc.pth', model.state_dict())
finally:
    torch.serialization.set_crc32_options(True)
torch.save(model, os.path.join(out, 'whole_model.pth'))
torch.jit.save(torch.jit.script(model), os.path.join(out, 'scripted.pt'))
try:
    torch.save({'u16': torch.tensor([1, 2], dtype=torch.uint16)}, os.path.join(out, 'uint16.pth'))
except Exception as e:
    print('uint16 not saved:', e)
st = collections.OrderedDict((k, v.contiguous()) for k, v in mixed().items())
save_file(st, os.path.join(out, 'hf.safetensors'), metadata={'format': 'pt', 'note': 'made by safetensors'})
record('hf.safetensors', st)
save_file(expected, os.path.join(out, 'expected.safetensors'))
print('torch', torch.__version__, 'files', sorted(os.listdir(out)))
