"""Makes the small real-torch checkpoints CkptFileTest reads (run once, by hand, with Debian's python3-torch).

    /usr/bin/python3 make_torch_fixtures.py   # in this folder; torch 1.13.1

The tensors mirror CkptFileTest.typicalStorages()/typicalTensors(), so the same checks apply to the
Java-built fixture and to these files written by torch itself (alignment padding, data descriptors,
protocol 2 and protocol 4 pickles).
"""
import collections

import torch

A = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
HALF_VALUES = [1.0, -2.5, 65504.0, 2.0 ** -14, 2.0 ** -24, 0.333251953125, 0.0, -0.0009765625]
BF = [1.0, -3.140625, 1.5 * 2.0 ** -10]
SLICED_STORAGE = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]
STEPS = [-7, 0, 1 << 40, 2 ** 63 - 1]

a = torch.tensor(A, dtype=torch.float32).view(2, 3)
state = collections.OrderedDict()
state["a"] = a
state["a_t"] = a.t()  # shares a's storage, strides (1, 3)
state["half"] = torch.tensor(HALF_VALUES, dtype=torch.float16)[2:6].view(2, 2)  # storage offset 2
state["bf"] = torch.nn.Parameter(torch.tensor(BF, dtype=torch.bfloat16))
state["steps"] = torch.tensor(STEPS, dtype=torch.int64).view(2, 2)
state["sliced"] = torch.tensor(SLICED_STORAGE).view(2, 5)[:, 1::2]  # offset 1, strides (5, 2)
state["double"] = torch.tensor([0.1, -2.75], dtype=torch.float64)
state["num_batches_tracked"] = torch.tensor(42)
checkpoint = {"state_dict": state, "global_step": 123, "epoch": 4, "lr": 1e-4}

torch.save(checkpoint, "torch113_lightning.ckpt")
torch.save(checkpoint, "torch113_protocol4.ckpt", pickle_protocol=4)
torch.save({"w": torch.ones(2)}, "torch113_legacy.pt", _use_new_zipfile_serialization=False)

# PyTorch Lightning 1.x keyed its callback states by the callback class itself and kept numpy scalars in
# them; a stand-in module gives the class the real qualified name without installing Lightning.
import sys
import types

import numpy

lightning = types.ModuleType("pytorch_lightning.callbacks.model_checkpoint")


class ModelCheckpoint:
    pass


ModelCheckpoint.__module__ = lightning.__name__
lightning.ModelCheckpoint = ModelCheckpoint
for parent in ("pytorch_lightning", "pytorch_lightning.callbacks"):
    sys.modules[parent] = types.ModuleType(parent)
sys.modules[lightning.__name__] = lightning
with_callbacks = dict(checkpoint)
with_callbacks["callbacks"] = {ModelCheckpoint: {"best_model_score": numpy.float64(1.0), "monitor": None}}
with_callbacks["pytorch-lightning_version"] = "1.4.2"
torch.save(with_callbacks, "torch113_lightning_callbacks.ckpt")
