"""The differentiable operations: one ``Function`` subclass per operation, grouped by kind.

* ``arithmetic``  Add, Sub, RSub, Neg, Mul, Div, Reciprocal, Pow, PowTensor
* ``elementwise`` Exp, Log, Sqrt, Sin, Cos, Tanh, Sigmoid, Relu, Abs, Clamp, Cast, Clone
* ``reduce``      SumAll, SumDim, MeanAll, MeanDim, MaxAll, MinAll, MaxDim, MinDim, AMax, AMin
* ``softmax``     Softmax, LogSoftmax
* ``linalg``      Dot, Mv, Mm, VecMat, Matmul (and ``matmul``, which picks one)
* ``shape``       View, Unsqueeze, Squeeze, Expand, Transpose, Permute, indexing, Cat, Stack
* ``select``      Where, Maximum, Minimum

Backward formulas are written once and work both on numpy arrays (the normal, fast case) and on
Tensors (under ``create_graph=True``); ``_common`` holds the few helpers that need to tell the
two apart.
"""
