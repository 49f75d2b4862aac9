"""Training loops keep no references: memory does not grow across steps."""
import gc
import tracemalloc

import tinygan as tg
import tinygan.functional as F
import tinygan.nn as nn


def test_thousand_training_steps_do_not_grow_memory():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = tg.optim.Adam(net.parameters(), lr=1e-3)
    x, y = tg.randn(16, 8, requires_grad=True), tg.randn(16, 1)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        (g,) = tg.grad(net(x).sum(), x, create_graph=True)
        (loss + (g * g).mean()).backward()
        opt.step()

    tracemalloc.start()
    for _ in range(500):   # warm-up: optimizer state, gradients, NumPy's small-allocation cache
        step()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        step()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after - before < 50_000, f"memory grew by {after - before} bytes over 1000 steps"
    gc.collect()
    step()
    assert gc.collect() == 0   # a step leaves no reference cycles behind for the collector
