"""Every differentiable op, one file per family."""
