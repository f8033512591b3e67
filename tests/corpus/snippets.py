# ruff: noqa: E501  (the snippets keep their sources' line lengths)
"""Third-party torch code, run side by side under torch and mygrad (tests/test_torch_corpus.py).

Each entry: (name, "owner/repo: path", source). Random initial values are replaced by
``data(shape, seed)``; loops are shortened; everything else is the original code.
"""

SNIPPETS = [
    # ------------------------------------------------------------------ micrograd
    ("micrograd_sanity_check", "karpathy/micrograd: test/test_engine.py", """
    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y
    print(ypt.data.item(), xpt.grad.item())
    """),
    ("micrograd_more_ops", "karpathy/micrograd: test/test_engine.py", """
    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    print(g.data.item(), a.grad.item(), b.grad.item())
    """),
    ("micrograd_demo_svm_loss", "karpathy/micrograd: demo.ipynb (loss(), in torch form)", """
    X = torch.tensor(data((8, 2), 1))
    y = torch.tensor([1., -1., 1., -1., 1., 1., -1., -1.])
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 10 + i, 0.5)))
    for k in range(5):
        scores = model(X).squeeze(1)
        losses = (1 + -y * scores).relu()
        data_loss = losses.sum() * (1.0 / losses.numel())
        reg_loss = 1e-4 * sum((p * p).sum() for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = ((y > 0) == (scores > 0)).float().mean()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for p in model.parameters():
                p -= learning_rate * p.grad
        print(f"step {k} loss {total_loss.item():.6f}, accuracy {accuracy.item() * 100}%")
    """),
    # ------------------------------------------------------------------ PyTorch tutorials
    ("polynomial_autograd", "pytorch/tutorials: beginner_source/examples_autograd/polynomial_autograd.py", """
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.tensor(0.1, device=device, dtype=dtype, requires_grad=True)
    b = torch.tensor(-0.2, device=device, dtype=dtype, requires_grad=True)
    c = torch.tensor(0.3, device=device, dtype=dtype, requires_grad=True)
    d = torch.tensor(0.05, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    for t in range(300):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
    """),
    ("polynomial_custom_function", "pytorch/tutorials: beginner_source/examples_autograd/polynomial_custom_function.py", """
    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    for t in range(300):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
    """),
    ("polynomial_nn", "pytorch/tutorials: beginner_source/examples_nn/polynomial_nn.py", """
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.1, -0.2, 0.05]]))
        model[0].bias.fill_(0.3)
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-6
    for t in range(300):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
          f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
    """),
    ("polynomial_optim", "pytorch/tutorials: beginner_source/examples_nn/polynomial_optim.py", """
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.1, -0.2, 0.05]]))
        model[0].bias.fill_(0.3)
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-3
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for t in range(300):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear_layer = model[0]
    print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x')
    """),
    ("polynomial_module", "pytorch/tutorials: beginner_source/examples_nn/polynomial_module.py", """
    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(0.1))
            self.b = torch.nn.Parameter(torch.tensor(-0.2))
            self.c = torch.nn.Parameter(torch.tensor(0.3))
            self.d = torch.nn.Parameter(torch.tensor(0.05))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(300):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Result: {model.string()}')
    """),
    ("dynamic_net", "pytorch/tutorials: beginner_source/examples_nn/dynamic_net.py", """
    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(0.1))
            self.b = torch.nn.Parameter(torch.tensor(-0.2))
            self.c = torch.nn.Parameter(torch.tensor(0.3))
            self.d = torch.nn.Parameter(torch.tensor(0.05))
            self.e = torch.nn.Parameter(torch.tensor(0.01))

        def forward(self, x, k):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, k):
                y = y + self.e * x ** exp
            return y

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for t in range(60):
        y_pred = model(x, 4 + t % 3)
        loss = criterion(y_pred, y)
        if t % 20 == 19:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(model.a.item(), model.e.item())
    """),
    ("blitz_autograd", "pytorch/tutorials: beginner_source/blitz/autograd_tutorial.py", """
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3*a**3 - b**2
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    print(9*a**2 == a.grad)
    print(-2*b == b.grad)
    x = torch.tensor(data((5, 5), 1))
    y = torch.tensor(data((5, 5), 2))
    z = torch.tensor(data((5, 5), 3), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")
    """),
    ("basics_autogradqs", "pytorch/tutorials: beginner_source/basics/autogradqs_tutorial.py", """
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.tensor(data((5, 3), 4), requires_grad=True)
    b = torch.tensor(data(3, 5), requires_grad=True)
    z = torch.matmul(x, w)+b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    loss.backward()
    print(w.grad)
    print(b.grad)
    z = torch.matmul(x, w)+b
    print(z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w)+b
    print(z.requires_grad)
    z = torch.matmul(x, w)+b
    z_det = z.detach()
    print(z_det.requires_grad)
    """),
    ("basics_jacobian_product", "pytorch/tutorials: beginner_source/basics/autogradqs_tutorial.py", """
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp+1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"First call\\n{inp.grad}")
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\\nSecond call\\n{inp.grad}")
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\\nCall after zeroing gradients\\n{inp.grad}")
    """),
    ("introyt_autograd", "pytorch/tutorials: beginner_source/introyt/autogradyt_tutorial.py", """
    a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    print(a)
    b = torch.sin(a)
    print(b)
    c = 2 * b
    print(c)
    d = c + 1
    print(d)
    out = d.sum()
    print(out)
    print('d:')
    print(d.grad_fn)
    print(d.grad_fn.next_functions)
    print(d.grad_fn.next_functions[0][0].next_functions)
    print('\\nc:')
    print(c.grad_fn)
    out.backward()
    print(a.grad)
    """),
    ("introyt_grad_off", "pytorch/tutorials: beginner_source/introyt/autogradyt_tutorial.py", """
    a = torch.ones(2, 3, requires_grad=True)
    print(a)
    b1 = 2 * a
    print(b1)
    a.requires_grad = False
    b2 = 2 * a
    print(b2)
    a = torch.ones(2, 3, requires_grad=True) * 2
    b = torch.ones(2, 3, requires_grad=True) * 3
    c1 = a + b
    print(c1)
    with torch.no_grad():
        c2 = a + b
    print(c2)
    c3 = a * b
    print(c3)

    def add_tensors1(x, y):
        return x + y

    @torch.no_grad()
    def add_tensors2(x, y):
        return x + y

    print(add_tensors1(a, b))
    print(add_tensors2(a, b))
    x = torch.tensor(data(5, 6), requires_grad=True)
    y = x.detach()
    print(x)
    print(y)
    """),
    ("introyt_inplace_leaf", "pytorch/tutorials: beginner_source/introyt/autogradyt_tutorial.py", """
    a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    show(lambda: a.sin_())
    """),
    ("introyt_vector_jacobian", "pytorch/tutorials: beginner_source/introyt/autogradyt_tutorial.py", """
    x = torch.tensor([0.3, -1.2, 0.8], requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    print(y)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    print(x.grad)
    """),
    # ------------------------------------------------------------------ d2l
    ("d2l_autograd_basics", "d2l-ai/d2l-en: chapter_preliminaries/autograd.md", """
    x = torch.arange(4.0)
    print(x)
    x.requires_grad_(True)
    print(x.grad)
    y = 2 * torch.dot(x, x)
    print(y)
    y.backward()
    print(x.grad)
    print(x.grad == 4 * x)
    x.grad.zero_()
    y = x.sum()
    y.backward()
    print(x.grad)
    x.grad.zero_()
    y = x * x
    y.backward(gradient=torch.ones(len(y)))
    print(x.grad)
    """),
    ("d2l_autograd_detach", "d2l-ai/d2l-en: chapter_preliminaries/autograd.md", """
    x = torch.arange(4.0, requires_grad=True)
    x.grad = None
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    print(x.grad == u)
    x.grad.zero_()
    y.sum().backward()
    print(x.grad == 2 * x)
    """),
    ("d2l_autograd_control_flow", "d2l-ai/d2l-en: chapter_preliminaries/autograd.md", """
    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c

    for v in (0.37, -1.3):
        a = torch.tensor(v, requires_grad=True)
        d = f(a)
        d.backward()
        print(a.grad, a.grad == d / a)
    """),
    ("d2l_linear_regression_scratch", "d2l-ai/d2l-en: chapter_linear-regression/linear-regression-scratch.md", """
    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    X = torch.tensor(data((64, 2), 7))
    y = torch.matmul(X, true_w.reshape((-1, 1))) + true_b + torch.tensor(data((64, 1), 8, 0.01))
    w = torch.tensor(data((2, 1), 9, 0.01), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def forward(X):
        return torch.matmul(X, w) + b

    def loss(y_hat, y):
        l = (y_hat - y) ** 2 / 2
        return l.mean()

    class SGD:
        def __init__(self, params, lr):
            self.params, self.lr = params, lr

        def step(self):
            for param in self.params:
                param -= self.lr * param.grad

        def zero_grad(self):
            for param in self.params:
                if param.grad is not None:
                    param.grad.zero_()

    opt = SGD([w, b], 0.03)
    for epoch in range(3):
        for i in range(0, 64, 16):
            l = loss(forward(X[i:i + 16]), y[i:i + 16])
            opt.zero_grad()
            l.backward()
            with torch.no_grad():
                opt.step()
        with torch.no_grad():
            print(f'epoch {epoch + 1}, loss {float(loss(forward(X), y)):f}')
    print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
    print(f'error in estimating b: {true_b - b}')
    """),
    ("d2l_linear_regression_concise", "d2l-ai/d2l-en: chapter_linear-regression/linear-regression-concise.md", """
    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    X = torch.tensor(data((64, 2), 7))
    y = (X @ true_w + true_b).reshape(-1, 1)
    net = nn.Linear(2, 1)
    net.weight.data.copy_(torch.tensor(data((1, 2), 3, 0.01)))
    net.bias.data.fill_(0)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.03)
    for epoch in range(3):
        for i in range(0, 64, 16):
            l = loss(net(X[i:i + 16]), y[i:i + 16])
            trainer.zero_grad()
            l.backward()
            trainer.step()
        l = loss(net(X), y)
        print(f'epoch {epoch + 1}, loss {l:f}')
    w, b = net.weight.data, net.bias.data
    print('error in estimating w:', true_w - w.reshape(true_w.shape))
    print('error in estimating b:', true_b - b)
    """),
    # ------------------------------------------------------------------ Neuromatch W1D2
    ("nma_set_seed_device", "NeuromatchAcademy/course-content-dl: tutorials/W1D2_LinearDeepLearning/W1D2_Tutorial1.ipynb", """
    def set_seed(seed=None, seed_torch=True):
        if seed is None:
            seed = np.random.choice(2 ** 32)
        random.seed(seed)
        np.random.seed(seed)
        if seed_torch:
            torch.manual_seed(seed)
            torch.cuda.manual_seed_all(seed)
            torch.cuda.manual_seed(seed)
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True
        print(f'Random seed {seed} has been set.')

    def seed_worker(worker_id):
        worker_seed = torch.initial_seed() % 2**32
        np.random.seed(worker_seed)
        random.seed(worker_seed)

    def set_device():
        device = "cuda" if torch.cuda.is_available() else "cpu"
        if device != "cuda":
            print("GPU is not enabled in this notebook.")
        else:
            print("GPU is enabled in this notebook.")
        return device

    SEED = 2021
    set_seed(seed=SEED)
    DEVICE = set_device()
    seed_worker(0)
    print(DEVICE, torch.zeros(2).to(DEVICE).device)
    """),
    ("nma_simple_graph", "NeuromatchAcademy/course-content-dl: tutorials/W1D2_LinearDeepLearning/W1D2_Tutorial1.ipynb", """
    class SimpleGraph:
        def __init__(self, w, b):
            assert isinstance(w, float)
            assert isinstance(b, float)
            self.w = torch.tensor([w], requires_grad=True)
            self.b = torch.tensor([b], requires_grad=True)

        def forward(self, x):
            assert isinstance(x, torch.Tensor)
            prediction = torch.tanh(x * self.w + self.b)
            return prediction

    def sq_loss(y_true, y_prediction):
        assert isinstance(y_true, torch.Tensor)
        assert isinstance(y_prediction, torch.Tensor)
        loss = (y_true - y_prediction)**2
        return loss

    feature = torch.tensor([1])
    target = torch.tensor([7])
    simple_graph = SimpleGraph(-0.5, 0.5)
    print(f"initial weight = {simple_graph.w.item()}, \\ninitial bias = {simple_graph.b.item()}")
    prediction = simple_graph.forward(feature)
    square_loss = sq_loss(target, prediction)
    print(f"for x={feature.item()} and y={target.item()}, prediction={prediction.item()}, "
          f"and L2 Loss = {square_loss.item()}")
    square_loss.backward()
    print('Gradient of loss w.r.t. w:', simple_graph.w.grad)
    print('Gradient of loss w.r.t. b:', simple_graph.b.grad)
    dloss_dw = -2 * feature * (target - prediction) * (1 - prediction**2)
    print(dloss_dw, dloss_dw.grad_fn)
    """),
    ("nma_wide_net", "NeuromatchAcademy/course-content-dl: tutorials/W1D2_LinearDeepLearning/W1D2_Tutorial1.ipynb", """
    class WideNet(nn.Module):
        def __init__(self):
            n_cells = 64
            super().__init__()
            self.layers = nn.Sequential(
                nn.Linear(1, n_cells),
                nn.Tanh(),
                nn.Linear(n_cells, 1),
            )

        def forward(self, x):
            return self.layers(x)

    wide_net = WideNet()
    with torch.no_grad():
        for i, p in enumerate(wide_net.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 20 + i, 0.3)))
    print(wide_net)
    input = torch.tensor(data((16, 1), 30))
    target = torch.sin(3 * input)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(wide_net.parameters(), lr=0.003)
    for i in range(50):
        optimizer.zero_grad()
        prediction = wide_net(input)
        loss = loss_fn(prediction, target)
        loss.backward()
        optimizer.step()
        if i % 10 == 9:
            print(i, loss.item())
    """),
    # ------------------------------------------------------------------ PyTorch's own tests
    ("pytorch_test_hooks", "pytorch/pytorch: test/test_autograd.py (test_hooks)", """
    x = torch.ones(5, 5, requires_grad=True)
    y = torch.ones(5, 5) * 4
    y.requires_grad_(True)
    counter = [0]

    def bw_hook(inc, grad):
        print(type(grad).__name__)
        counter[0] += inc

    z = x ** 2 + x * 2 + x * y + y
    x.register_hook(lambda *args: bw_hook(0, *args))
    test = z.register_hook(lambda *args: bw_hook(1, *args))
    z.backward(torch.ones(5, 5), retain_graph=True)
    print(counter[0])
    test2 = z.register_hook(lambda *args: bw_hook(2, *args))
    z.backward(torch.ones(5, 5), retain_graph=True)
    print(counter[0])
    test2.remove()
    z.backward(torch.ones(5, 5), retain_graph=True)
    print(counter[0])

    def bw_hook_modify(grad):
        return grad.mul(2)

    test.remove()
    z.register_hook(bw_hook_modify)
    with torch.no_grad():
        y.grad.zero_()
    z.backward(torch.ones(5, 5), retain_graph=True)
    print((y.grad == (x + 1) * 2).all())
    y.register_hook(bw_hook_modify)
    with torch.no_grad():
        y.grad.zero_()
    z.backward(torch.ones(5, 5))
    print((y.grad == (x + 1) * 4).all())
    """),
    ("pytorch_test_retain_grad", "pytorch/pytorch: test/test_autograd.py (test_retain_grad)", """
    input = torch.tensor(data((1, 3), 2), requires_grad=True)
    h1 = input * 3
    out = (h1 * h1).sum()
    h1.retain_grad()
    h1.retain_grad()
    out.backward(retain_graph=True)
    print(h1.grad, h1 * 2)
    out.backward(retain_graph=True)
    print(h1.grad, h1 * 4)
    with torch.no_grad():
        input.grad.zero_()
    input.retain_grad()
    input.retain_grad()
    out.backward()
    print(input.grad, input * 18)
    """),
    ("pytorch_test_inplace", "pytorch/pytorch: test/test_autograd.py (test_inplace)", """
    x = torch.ones(5, 5, requires_grad=True)
    y = torch.ones(5, 5, requires_grad=True) * 4
    z = x * y
    q = z + y
    w = z * y
    z.add_(2)
    q.backward(torch.ones(5, 5), retain_graph=True)
    show(lambda: w.backward(torch.ones(5, 5)))
    z = x * y
    q = z * y
    r = z + y
    w = z.add_(y)
    w.backward(torch.ones(5, 5), retain_graph=True)
    r.backward(torch.ones(5, 5), retain_graph=True)
    show(lambda: q.backward(torch.ones(5, 5)))
    with torch.no_grad():
        x.grad.zero_()
    m = x / 2
    z = m + y / 8
    q = z * y
    r = z + y
    prev_version = z._version
    w = z.exp_()
    print(z._version != prev_version)
    r.backward(torch.ones(5, 5), retain_graph=True)
    print(x.grad)
    w.backward(torch.ones(5, 5), retain_graph=True)
    print(x.grad)
    show(lambda: q.backward(torch.ones(5, 5)))
    leaf = torch.ones(5, 5, requires_grad=True)
    x = leaf.clone()
    x.add_(10)
    print(x)
    y = x + 2
    y.backward(torch.ones(5, 5))
    print(leaf.grad)
    z = x * y
    x.add_(2)
    show(lambda: z.backward(torch.ones(5, 5)))
    """),
    ("pytorch_test_backward_inputs", "pytorch/pytorch: test/test_autograd.py (test_backward_with_inputs)", """
    x = torch.tensor(data((2, 2), 3), dtype=torch.double, requires_grad=True)
    y = torch.tensor(data((2, 2), 4), dtype=torch.double, requires_grad=True)

    def fn():
        return x ** 2 + y * x + y ** 2

    gradient = torch.ones(2, 2)
    x_grad_expected = 2 * x + y
    y_grad_expected = x + 2 * y

    @torch.no_grad()
    def reset_grad():
        x.grad.zero_()
        y.grad.zero_()

    torch.autograd.backward(fn(), gradient, inputs=[x, y])
    print(x.grad == x_grad_expected, y.grad == y_grad_expected)
    reset_grad()
    torch.autograd.backward(fn(), gradient, inputs=[x])
    print(x.grad == x_grad_expected, y.grad)
    reset_grad()
    fn().backward(gradient, inputs=[y])
    print(y.grad == y_grad_expected, x.grad)
    reset_grad()
    show(lambda: torch.autograd.backward(fn(), gradient, inputs=[]))
    show(lambda: torch.autograd.grad(fn().sum(), []))
    """),
    ("pytorch_test_grad_unused", "pytorch/pytorch: test/test_autograd.py (test_grad_unreachable)", """
    x = torch.ones(1, requires_grad=True)
    y = torch.ones(1, requires_grad=True)
    z = x * 2
    w = y * 2
    grad_x, grad_y = torch.autograd.grad(x * 2, [x, y], allow_unused=True)
    print(grad_x, grad_y)
    show(lambda: torch.autograd.grad(x * 2, [x, y]))
    """),
    ("pytorch_test_no_grad", "pytorch/pytorch: test/test_autograd.py (test_no_grad, test_set_grad_enabled)", """
    x = torch.ones(5, 5, requires_grad=True)
    y = torch.ones(5, 5) * 4
    with torch.no_grad():
        w = x + y

    def adder(x, y):
        return x + y

    adders = [torch.no_grad()(adder), torch.no_grad(adder)]
    for adder in adders:
        z = adder(x, y)
        print(w.requires_grad, w.grad_fn, z.requires_grad, z.grad_fn)
    with torch.set_grad_enabled(False):
        y = x * 2
    print(y.requires_grad)
    with torch.set_grad_enabled(True):
        y = x * 2
    print(y.requires_grad)
    with torch.set_grad_enabled(False):
        torch.set_grad_enabled(True)
        y = x * 2
    print(y.requires_grad, torch.is_grad_enabled())
    torch.set_grad_enabled(True)
    with torch.inference_mode():
        print((x * 2).requires_grad)
    print(torch.is_grad_enabled())
    """),
    ("pytorch_test_custom_function", "pytorch/pytorch: test/test_autograd.py (test_function, test_mark_non_differentiable)", """
    class MyFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, tensor1, pyscalar, tensor2):
            ctx.pyscalar = pyscalar
            ctx.save_for_backward(tensor1, tensor2)
            return tensor1 + pyscalar * tensor2 + tensor1 * tensor2

        @staticmethod
        def backward(ctx, grad_output):
            var1, var2 = ctx.saved_tensors
            print(type(grad_output).__name__, ctx.needs_input_grad)
            return grad_output + grad_output * var2, None, grad_output * ctx.pyscalar + grad_output * var1

    x = torch.tensor(data((10, 10), 1), requires_grad=True)
    y = torch.tensor(data((10, 10), 2), requires_grad=True)
    result = MyFunction.apply(x, 2, y)
    go = torch.ones(()).expand(10, 10)
    result.sum().backward()
    print((x.grad == go + y).all(), (y.grad == go * 2 + x).all())

    class NonDiff(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            output = input > 0
            ctx.mark_non_differentiable(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            return (grad_output * 0).to(torch.double)

    x = torch.tensor([[-1., 2.], [3., -4.]], requires_grad=True)
    mask = NonDiff.apply(x)
    print(mask, mask.requires_grad)
    y = x.masked_fill(mask, 0)
    y.sum().backward()
    print(x.grad)
    """),
    ("pytorch_test_custom_function_relu", "pytorch/tutorials: beginner_source/examples_autograd/two_layer_net_custom_function.py (MyReLU)", """
    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    x = torch.tensor(data((8, 4), 1))
    y = torch.tensor(data((8, 3), 2))
    w1 = torch.tensor(data((4, 5), 3), requires_grad=True)
    w2 = torch.tensor(data((5, 3), 4), requires_grad=True)
    learning_rate = 1e-3
    for t in range(20):
        relu = MyReLU.apply
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        if t % 5 == 4:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    """),
    ("pytorch_test_grad_assignment", "pytorch/pytorch: test/test_autograd.py (test_grad_mismatch style checks)", """
    x = torch.ones(3, requires_grad=True)
    show(lambda: setattr(x, "grad", torch.ones(2)))
    show(lambda: setattr(x, "grad", torch.ones(3, dtype=torch.double)))
    x.grad = torch.ones(3)
    print(x.grad)
    show(lambda: torch.ones(3, dtype=torch.long).add_(1.5))
    """),
    ("pytorch_test_setitem", "pytorch/pytorch: test/test_autograd.py (test_setitem, test_index_put_)", """
    w = torch.tensor([2., 3.], requires_grad=True)
    x = torch.zeros(3)
    x[0] = w[0] * 2
    x[1:] = w
    print(x)
    x.sum().backward()
    print(w.grad)
    v = torch.tensor([1., 5.], requires_grad=True)
    y = torch.zeros(3)
    y[torch.tensor([True, False, True])] = v
    print(y)
    (y * y).sum().backward()
    print(v.grad)
    h = torch.ones(2, 3, requires_grad=True) * 2
    h[:, 0] += 1
    print(h)
    h.sum().backward()
    leaf = torch.ones(3, requires_grad=True)
    show(lambda: leaf[0].add_(1))
    """),
    ("accumulate_total_loss", "pytorch/tutorials: intermediate_source/char_rnn_classification_tutorial.py (loss accumulation pattern)", """
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    xs = [torch.tensor([1., 2.]), torch.tensor([0.5, -0.5]), torch.tensor([3., 1.])]
    total = torch.zeros(())
    for x in xs:
        loss = (w * x).sum() ** 2
        total += loss
    print(total)
    total.backward()
    print(w.grad)
    running = 0.0
    running += total.item()
    print(running)
    """),
    ("saved_output_modified", "pytorch/pytorch: test/test_autograd.py (test_inplace_on_saved_output style)", """
    x = torch.ones(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    show(lambda: y.sum().backward())
    x = torch.tensor(1., requires_grad=True)
    y = x.sigmoid()
    y *= 2
    show(lambda: y.backward())
    a = torch.ones(3, requires_grad=True)
    h = a * 2
    c = torch.ones(3)
    out = h * c
    h.add_(1)
    out.sum().backward()
    print(a.grad)
    """),
]
