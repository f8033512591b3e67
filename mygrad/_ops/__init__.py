"""The differentiable operations: one ``Op`` (a built-in ``Function``) per operation, by kind.

* ``arithmetic``  Add, AddScalar, Sub, RSub, Neg, Mul, MulScalar, Div, DivScalar, Reciprocal,
                  Pow, PowTensor
* ``elementwise`` Exp, Log, Sqrt, Sin, Cos, Tanh, Sigmoid, Relu, Abs, Clamp, Cast, Clone
* ``reduce``      SumAll, SumDim, MeanAll, MeanDim, AMax, AMin, MaxAll, MinAll, MaxDim, MinDim,
                  Var, Std, Norm
* ``softmax``     Softmax, LogSoftmax
* ``linalg``      Matmul, Mm, Mv, Dot, VecMat, Linear, LinearNoBias
* ``losses``      MseLoss, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy
* ``shape``       View, Unsqueeze, Squeeze, SqueezeDim, Expand, Permute, Transpose, TransposeT,
                  Select, Slice, UnsqueezeIdx, Index, IndexPut, Cat, Stack, CopySlices,
                  IndexPutInplace, Fill, FillTensor, Zero, Copy, BackwardHook
* ``select``      Where, MaskedFill, Maximum, Minimum

``functions`` holds the function forms (``mygrad.exp(x)``, ``mygrad.cat([...])``) built on them.
``AddScalar`` and ``MulScalar`` exist only for speed (``y * 1.0001 + 0.0``), ``DivScalar`` for
torch's node name (DivBackward1); ``Linear``, ``Var``, ``Std``, ``Norm`` and the losses are fused:
one node instead of five to ten, with torch's names, and numerically stable.

Backward formulas are written once and work both on numpy arrays (the normal, fast case) and on
Tensors (under ``create_graph=True``); ``_common`` holds ``Op`` and the few helpers that need to
tell the two apart. tests/test_ops_index.py checks this list against the modules.
"""
