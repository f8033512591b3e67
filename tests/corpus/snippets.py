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
    # ------------------------------------------------------------------ issue 13, second round:
    # ------------------------------------------------------------------ "What is torch.nn really?"
    ("nn_tutorial_from_scratch", "pytorch/tutorials: beginner_source/nn_tutorial.py (Neural net from scratch)", """
    x_train, y_train = data((256, 20), 1), np.random.randint(0, 10, 256)
    x_train, y_train = map(torch.tensor, (x_train, y_train))
    n, c = x_train.shape
    print(x_train.shape)
    print(y_train.min(), y_train.max())
    weights = torch.tensor(data((20, 10), 2)) / math.sqrt(20)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    bs = 64
    xb = x_train[0:bs]
    preds = model(xb)
    print(preds[0], preds.shape)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll
    yb = y_train[0:bs]
    print(loss_func(preds, yb))

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    print(accuracy(preds, yb))
    lr = 0.5
    epochs = 2
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    print(loss_func(model(xb), yb), accuracy(model(xb), yb))
    """),
    ("nn_tutorial_refactor", "pytorch/tutorials: beginner_source/nn_tutorial.py (torch.nn.functional, nn.Module, nn.Linear, optim)", """
    from torch import optim
    x_train, y_train = map(torch.tensor, (data((256, 20), 1), np.random.randint(0, 10, 256)))
    n, c = x_train.shape
    bs, lr, epochs = 64, 0.5, 2
    loss_func = F.cross_entropy

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(torch.tensor(data((20, 10), 2)) / math.sqrt(20))
            self.bias = nn.Parameter(torch.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    model = Mnist_Logistic()
    xb, yb = x_train[0:bs], y_train[0:bs]
    print(loss_func(model(xb), yb))

    def fit():
        for epoch in range(epochs):
            for i in range((n - 1) // bs + 1):
                start_i = i * bs
                end_i = start_i + bs
                xb = x_train[start_i:end_i]
                yb = y_train[start_i:end_i]
                pred = model(xb)
                loss = loss_func(pred, yb)
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= p.grad * lr
                    model.zero_grad()

    fit()
    print(loss_func(model(xb), yb))

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(20, 10)

        def forward(self, xb):
            return self.lin(xb)

    def get_model():
        model = Mnist_Logistic()
        with torch.no_grad():
            model.lin.weight.copy_(torch.tensor(data((10, 20), 3, 0.2)))
            model.lin.bias.zero_()
        return model, optim.SGD(model.parameters(), lr=lr)

    model, opt = get_model()
    print(loss_func(model(xb), yb))
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
    print(loss_func(model(xb), yb))
    """),
    ("nn_tutorial_dataloader", "pytorch/tutorials: beginner_source/nn_tutorial.py (Dataset, DataLoader, validation, fit)", """
    from torch import optim
    from torch.utils.data import TensorDataset, DataLoader
    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (data((256, 20), 1), np.random.randint(0, 10, 256), data((96, 20), 4), np.random.randint(0, 10, 96))
    )
    bs, lr = 64, 0.5
    loss_func = F.cross_entropy

    def get_model():
        model = nn.Linear(20, 10)
        with torch.no_grad():
            model.weight.copy_(torch.tensor(data((10, 20), 3, 0.2)))
            model.bias.zero_()
        return model, optim.SGD(model.parameters(), lr=lr)

    train_ds = TensorDataset(x_train, y_train)
    xb, yb = train_ds[0 * bs: 0 * bs + bs]
    print(xb.shape, yb.shape, len(train_ds))
    valid_ds = TensorDataset(x_valid, y_valid)
    valid_dl = DataLoader(valid_ds, batch_size=bs * 2)
    model, opt = get_model()
    for epoch in range(2):
        model.train()
        for xb, yb in DataLoader(train_ds, batch_size=bs):
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)
        print(epoch, valid_loss / len(valid_dl))

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
        for epoch in range(epochs):
            model.train()
            for xb, yb in train_dl:
                loss_batch(model, loss_func, xb, yb, opt)
            model.eval()
            with torch.no_grad():
                losses, nums = zip(
                    *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
                )
            val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
            print(epoch, val_loss)

    model, opt = get_model()
    fit(2, model, loss_func, opt, DataLoader(train_ds, batch_size=bs), valid_dl)
    """),
    ("nn_tutorial_lambda_sequential", "pytorch/tutorials: beginner_source/nn_tutorial.py (nn.Sequential with Lambda, momentum)", """
    from torch import optim

    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x):
        return x.view(-1, 1, 4, 5)

    model = nn.Sequential(
        Lambda(preprocess),
        Lambda(lambda x: x.view(x.size(0), -1)),
        nn.Linear(20, 10),
        nn.ReLU(),
    )
    with torch.no_grad():
        model[2].weight.copy_(torch.tensor(data((10, 20), 3, 0.2)))
        model[2].bias.fill_(0.1)
    print(model)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    xb, yb = torch.tensor(data((8, 20), 1)), torch.tensor([1, 2, 3, 4, 5, 6, 7, 8])
    for _ in range(3):
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        print(loss.item())
    print(torch.cuda.is_available())
    dev = torch.device(
        "cuda") if torch.cuda.is_available() else torch.device("cpu")
    print(dev, model.to(dev) is model)
    """),
    # ------------------------------------------------------------------ examples_nn, blitz, basics
    ("two_layer_net_nn", "pytorch/tutorials: beginner_source/examples_nn/two_layer_net_nn.py", """
    N, D_in, H, D_out = 64, 100, 20, 10
    x = torch.tensor(data((N, D_in), 1))
    y = torch.tensor(data((N, D_out), 2))
    model = torch.nn.Sequential(
        torch.nn.Linear(D_in, H),
        torch.nn.ReLU(),
        torch.nn.Linear(H, D_out),
    )
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 5 + i, 0.1)))
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-4
    for t in range(200):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        if t % 50 == 49:
            print(t, loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    """),
    ("two_layer_net_optim", "pytorch/tutorials: beginner_source/examples_nn/two_layer_net_optim.py", """
    N, D_in, H, D_out = 64, 100, 20, 10
    x = torch.tensor(data((N, D_in), 1))
    y = torch.tensor(data((N, D_out), 2))
    model = torch.nn.Sequential(
        torch.nn.Linear(D_in, H),
        torch.nn.ReLU(),
        torch.nn.Linear(H, D_out),
    )
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 5 + i, 0.1)))
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-4
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    for t in range(200):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        if t % 50 == 49:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """),
    ("two_layer_net_module", "pytorch/tutorials: beginner_source/examples_nn/two_layer_net_module.py", """
    class TwoLayerNet(torch.nn.Module):
        def __init__(self, D_in, H, D_out):
            super(TwoLayerNet, self).__init__()
            self.linear1 = torch.nn.Linear(D_in, H)
            self.linear2 = torch.nn.Linear(H, D_out)

        def forward(self, x):
            h_relu = self.linear1(x).clamp(min=0)
            y_pred = self.linear2(h_relu)
            return y_pred

    N, D_in, H, D_out = 64, 100, 20, 10
    x = torch.tensor(data((N, D_in), 1))
    y = torch.tensor(data((N, D_out), 2))
    model = TwoLayerNet(D_in, H, D_out)
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 5 + i, 0.1)))
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    for t in range(200):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 50 == 49:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """),
    ("blitz_neural_networks_loss", "pytorch/tutorials: beginner_source/blitz/neural_networks_tutorial.py (loss, grad_fn chain, update rule)", """
    class Net(nn.Module):

        def __init__(self):
            super(Net, self).__init__()
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

        def num_flat_features(self, x):
            size = x.size()[1:]
            num_features = 1
            for s in size:
                num_features *= s
            return num_features

    net = Net()
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 40 + i, 0.05)))
    print(net)
    params = list(net.parameters())
    print(len(params))
    print(params[0].size())
    input = torch.tensor(data((1, 16, 5, 5), 1))
    out = net(input)
    print(out)
    net.zero_grad()
    out.backward(torch.tensor(data((1, 10), 2)))
    output = net(input)
    target = torch.tensor(data(10, 3))
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    print(loss)
    print(loss.grad_fn)
    print(loss.grad_fn.next_functions[0][0])
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])
    net.zero_grad()
    print('fc1.bias.grad before backward')
    print(net.fc1.bias.grad)
    loss.backward()
    print('fc1.bias.grad after backward')
    print(net.fc1.bias.grad[:5])
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    import torch.optim as optim
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()
    print(loss, net(input)[0, :3])
    """),
    ("basics_optimization", "pytorch/tutorials: beginner_source/basics/optimization_tutorial.py", """
    from torch.utils.data import DataLoader, TensorDataset

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(6*6, 32),
                nn.ReLU(),
                nn.Linear(32, 32),
                nn.ReLU(),
                nn.Linear(32, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork()
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 60 + i, 0.2)))
    learning_rate = 1e-1
    batch_size = 64
    epochs = 2
    training_data = TensorDataset(torch.tensor(data((256, 6, 6), 1)), torch.tensor(np.random.randint(0, 10, 256)))
    test_data = TensorDataset(torch.tensor(data((128, 6, 6), 2)), torch.tensor(np.random.randint(0, 10, 128)))
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 2 == 0:
                loss, current = loss.item(), batch * batch_size + len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")

    for t in range(epochs):
        print(f"Epoch {t+1}\\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer)
        test_loop(test_dataloader, model, loss_fn)
    print("Done!")
    """),
    ("basics_buildmodel", "pytorch/tutorials: beginner_source/basics/buildmodel_tutorial.py", """
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    print('Using {} device'.format(device))

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super(NeuralNetwork, self).__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(5*5, 16),
                nn.ReLU(),
                nn.Linear(16, 16),
                nn.ReLU(),
                nn.Linear(16, 10),
                nn.ReLU()
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 80 + i, 0.5)))
    print(model)
    X = torch.tensor(np.abs(data((1, 5, 5), 1)), device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    print(f"Predicted class: {y_pred}")
    input_image = torch.tensor(np.abs(data((3, 5, 5), 2)))
    print(input_image.size())
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    print(flat_image.size())
    layer1 = nn.Linear(in_features=5*5, out_features=20)
    with torch.no_grad():
        layer1.weight.copy_(torch.tensor(data((20, 25), 90, 0.3)))
        layer1.bias.fill_(-0.1)
    hidden1 = layer1(flat_image)
    print(hidden1.size())
    print(f"Before ReLU: {hidden1}\\n\\n")
    hidden1 = nn.ReLU()(hidden1)
    print(f"After ReLU: {hidden1}")
    seq_modules = nn.Sequential(
        flatten,
        layer1,
        nn.ReLU(),
        nn.Linear(20, 10)
    )
    logits = seq_modules(input_image)
    softmax = nn.Softmax(dim=1)
    pred_probab = softmax(logits)
    print(pred_probab.shape, pred_probab.sum(1))
    print("Model structure: ", model, "\\n\\n")
    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \\n")
    """),
    ("autograd_notes_requires_grad", "pytorch/pytorch: docs/source/notes/autograd.rst (Setting requires_grad, grad modes)", """
    x = torch.tensor(data((5, 5), 1))
    y = torch.tensor(data((5, 5), 2))
    z = torch.tensor(data((5, 5), 3), requires_grad=True)
    a = x + y
    print(a.requires_grad)
    b = a + z
    print(b.requires_grad)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    for param in model.parameters():
        param.requires_grad = False
    model[2] = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model[2].parameters(), lr=1e-2, momentum=0.9)
    out = model(torch.tensor(data((2, 4), 4))).sum()
    out.backward()
    print([p.grad is None for p in model.parameters()])
    print(model[0].weight.requires_grad, model[2].weight.requires_grad)
    x = torch.tensor(data(5, 5), requires_grad=True)
    with torch.no_grad():
        y = x * 2
    print(y.requires_grad, y.grad_fn, y.is_leaf)
    with torch.inference_mode():
        y = x * 2
    print(y.requires_grad, y.is_leaf)
    model.eval()
    print(model.training, model[0].training)
    model.train()
    print(model.training, model[1].training)
    """),
    # ------------------------------------------------------------------ torch documentation examples
    ("docs_autograd_functional_jacobian", "pytorch/pytorch: torch/autograd/functional.py (jacobian, hessian docstrings)", """
    from torch.autograd.functional import jacobian, hessian

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    inputs = torch.tensor(np.abs(data((2, 2), 1)))
    print(jacobian(exp_reducer, inputs))
    print(jacobian(exp_reducer, inputs, create_graph=True))

    def exp_adder(x, y):
        return 2 * x.exp() + 3 * y

    inputs = (torch.tensor(np.abs(data(2, 2))), torch.tensor(np.abs(data(2, 3))))
    print(jacobian(exp_adder, inputs))

    def pow_reducer(x):
        return x.pow(3).sum()

    inputs = torch.tensor(np.abs(data((2, 2), 4)))
    print(hessian(pow_reducer, inputs))
    print(hessian(pow_reducer, inputs, create_graph=True)[0, 0])

    def pow_adder_reducer(x, y):
        return (2 * x.pow(2) + 3 * y.pow(2)).sum()

    inputs = (torch.tensor(np.abs(data(2, 5))), torch.tensor(np.abs(data(2, 6))))
    print(hessian(pow_adder_reducer, inputs))
    """),
    ("docs_autograd_functional_vjp_jvp", "pytorch/pytorch: torch/autograd/functional.py (vjp, jvp, vhp, hvp docstrings)", """
    from torch.autograd.functional import vjp, jvp, vhp, hvp

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    inputs = torch.tensor(np.abs(data((4, 4), 1)))
    v = torch.ones(4)
    print(vjp(exp_reducer, inputs, v))
    print(vjp(exp_reducer, inputs, v, create_graph=True))

    def adder(x, y):
        return 2 * x + 3 * y

    inputs = (torch.tensor(np.abs(data(2, 2))), torch.tensor(np.abs(data(2, 3))))
    v = torch.ones(2)
    print(vjp(adder, inputs, v))
    inputs = torch.tensor(np.abs(data((4, 4), 1)))
    v = torch.ones(4, 4)
    print(jvp(exp_reducer, inputs, v))
    inputs = (torch.tensor(np.abs(data(2, 2))), torch.tensor(np.abs(data(2, 3))))
    v = (torch.ones(2), torch.ones(2))
    print(jvp(adder, inputs, v))

    def pow_reducer(x):
        return x.pow(3).sum()

    inputs = torch.tensor(np.abs(data((2, 2), 4)))
    v = torch.ones(2, 2)
    print(vhp(pow_reducer, inputs, v))
    print(hvp(pow_reducer, inputs, v))

    def pow_adder_reducer(x, y):
        return (2 * x.pow(2) + 3 * y.pow(2)).sum()

    inputs = (torch.tensor(np.abs(data(2, 5))), torch.tensor(np.abs(data(2, 6))))
    v = (torch.zeros(2), torch.ones(2))
    print(vhp(pow_adder_reducer, inputs, v))
    print(hvp(pow_adder_reducer, inputs, v))
    """),
    ("docs_autograd_grad_higher_order", "pytorch/pytorch: test/test_autograd.py (test_grad, test_grad_nonleaf)", """
    x = torch.tensor(data((2, 2), 1), requires_grad=True)
    y = torch.tensor(data((2, 2), 2), requires_grad=True)
    z = x ** 2 + y * x + y ** 2
    z.backward(torch.ones(2, 2), create_graph=True)
    x_grad = 2 * x + y
    y_grad = x + 2 * y
    print(torch.allclose(x.grad, x_grad), torch.allclose(y.grad, y_grad))
    grad_sum = 2 * x.grad + y.grad
    x_hv = torch.autograd.grad(
        outputs=[grad_sum], grad_outputs=[torch.ones(2, 2)],
        inputs=[x], create_graph=True)
    print(x_hv[0], x.grad.requires_grad)
    x_init = torch.tensor(data((2, 2), 3), requires_grad=True)
    x = x_init
    y = torch.tensor(data((2, 2), 4), requires_grad=True)
    grad_output = torch.ones(2, 2)

    def fn(x):
        return x ** 2 + y * x + y ** 2

    for _ in range(5):
        grad_x, = torch.autograd.grad(
            fn(x), x, grad_outputs=grad_output, create_graph=True)
        grad_x_expected = 2 * x + y
        print(y.grad, x.grad, torch.allclose(grad_x, grad_x_expected))
        x = x + 0.05 * grad_x
    val_init = fn(x_init).sum()
    val_final = fn(x).sum()
    print(val_init, val_final)
    x.backward(grad_output)
    print(y.grad, x_init.grad)
    """),
    ("docs_functional_losses", "pytorch/pytorch: torch/nn/functional.py (cross_entropy, nll_loss, binary_cross_entropy(_with_logits) docstrings)", """
    input = torch.tensor(data((3, 5), 1), requires_grad=True)
    target = torch.tensor([1, 0, 4], dtype=torch.int64)
    loss = F.cross_entropy(input, target)
    loss.backward()
    print(loss, input.grad)
    input = torch.tensor(data((3, 5), 2), requires_grad=True)
    target = torch.tensor(data((3, 5), 3)).softmax(dim=1)
    loss = F.cross_entropy(input, target)
    loss.backward()
    print(loss, input.grad)
    input = torch.tensor(data((3, 5), 4), requires_grad=True)
    target = torch.tensor([1, 0, 4])
    output = F.nll_loss(F.log_softmax(input, dim=1), target)
    output.backward()
    print(output, output.grad_fn, input.grad)
    input = torch.tensor(data((3, 2), 5), requires_grad=True)
    target = torch.tensor(np.abs(data((3, 2), 6)) / 3)
    loss = F.binary_cross_entropy(torch.sigmoid(input), target)
    loss.backward()
    print(loss, input.grad)
    input = torch.tensor(data(3, 7), requires_grad=True)
    target = torch.tensor([1., 0., 1.])
    loss = F.binary_cross_entropy_with_logits(input, target)
    loss.backward()
    print(loss, input.grad)
    print(F.mse_loss(input, target, reduction='none'))
    """),
    ("docs_nn_loss_modules", "pytorch/pytorch: torch/nn/modules/loss.py (MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss docstrings)", """
    loss = nn.MSELoss()
    input = torch.tensor(data((3, 5), 1), requires_grad=True)
    target = torch.tensor(data((3, 5), 2))
    output = loss(input, target)
    output.backward()
    print(output, input.grad[0])
    loss = nn.CrossEntropyLoss()
    input = torch.tensor(data((3, 5), 3), requires_grad=True)
    target = torch.tensor([4, 1, 0])
    output = loss(input, target)
    output.backward()
    print(output, input.grad)
    m = nn.LogSoftmax(dim=1)
    loss = nn.NLLLoss()
    input = torch.tensor(data((3, 5), 4), requires_grad=True)
    target = torch.tensor([1, 0, 4])
    output = loss(m(input), target)
    output.backward()
    print(output, input.grad)
    m = nn.Sigmoid()
    loss = nn.BCELoss()
    input = torch.tensor(data(3, 5), requires_grad=True)
    target = torch.tensor([0., 1., 1.])
    output = loss(m(input), target)
    output.backward()
    print(output, input.grad)
    target = torch.ones([10, 64], dtype=torch.float32)
    output = torch.full([10, 64], 1.5)
    pos_weight = torch.ones([64])
    criterion = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    print(criterion(output, target))
    loss = nn.CrossEntropyLoss(reduction='none')
    print(loss(torch.tensor(data((2, 3), 6)), torch.tensor([2, 0])))
    """),
    ("docs_optim_usage", "pytorch/pytorch: docs/source/optim.md (How to use an optimizer, per-parameter options, taking a step)", """
    from torch import optim
    model = nn.Sequential()
    model.add_module('base', nn.Linear(4, 3))
    model.add_module('classifier', nn.Linear(3, 2))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 10 + i, 0.5)))
    var1 = torch.tensor(data(3, 1), requires_grad=True)
    var2 = torch.tensor(data(3, 2), requires_grad=True)
    optimizer = optim.Adam([var1, var2], lr=0.0001)
    print(len(optimizer.param_groups), optimizer.param_groups[0]['lr'], optimizer.param_groups[0]['betas'])
    optimizer = optim.SGD([
        {'params': model.base.parameters(), 'lr': 1e-2},
        {'params': model.classifier.parameters()}
    ], lr=1e-3, momentum=0.9)
    print([g['lr'] for g in optimizer.param_groups], [g['momentum'] for g in optimizer.param_groups])
    loss_fn = nn.MSELoss()
    dataset = [(torch.tensor(data((2, 4), 20 + i)), torch.tensor(data((2, 2), 30 + i))) for i in range(4)]
    for input, target in dataset:
        optimizer.zero_grad()
        output = model(input)
        loss = loss_fn(output, target)
        loss.backward()
        optimizer.step()
        print(loss.item())
    for input, target in dataset:
        def closure():
            optimizer.zero_grad()
            output = model(input)
            loss = loss_fn(output, target)
            loss.backward()
            return loss
        print(optimizer.step(closure).item())
    print(model.base.weight)
    """),
    ("docs_lr_scheduler", "pytorch/pytorch: docs/source/optim.md and torch/optim/lr_scheduler.py (ExponentialLR, StepLR, LambdaLR examples)", """
    from torch.optim.lr_scheduler import ExponentialLR, StepLR, LambdaLR
    model = [nn.Parameter(torch.tensor(data((2, 2), 1)))]
    optimizer = torch.optim.SGD(model, 0.1)
    scheduler = ExponentialLR(optimizer, gamma=0.9)
    for epoch in range(5):
        for input, target in [(torch.ones(2), torch.zeros(2))]:
            optimizer.zero_grad()
            output = model[0] @ input
            loss = F.mse_loss(output, target)
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(epoch, scheduler.get_last_lr(), optimizer.param_groups[0]['lr'])
    optimizer = torch.optim.SGD(model, lr=0.05)
    scheduler = StepLR(optimizer, step_size=3, gamma=0.1)
    for epoch in range(7):
        optimizer.step()
        scheduler.step()
        print(epoch, scheduler.get_last_lr())
    optimizer = torch.optim.SGD(model, lr=0.05)
    lambda1 = lambda epoch: 0.95 ** epoch
    scheduler = LambdaLR(optimizer, lr_lambda=lambda1)
    for epoch in range(3):
        optimizer.step()
        scheduler.step()
    print(scheduler.get_last_lr(), scheduler.last_epoch)
    print(model[0])
    """),
    ("docs_clip_grad_norm", "pytorch/pytorch: torch/nn/utils/clip_grad.py (clip_grad_norm_, clip_grad_value_) in a training step", """
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 10 + i)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.tensor(data((8, 3), 1, 3)), torch.tensor(data((8, 1), 2))
    for step in range(3):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        print(step, loss.item(), total_norm)
        optimizer.step()
    norms = [p.grad.norm() for p in model.parameters()]
    print(torch.stack(norms).norm())
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    print(torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=float('inf')))
    torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
    print(model[0].weight.grad)
    """),
    ("docs_grad_mode_examples", "pytorch/pytorch: torch/autograd/grad_mode.py (no_grad, enable_grad, set_grad_enabled, inference_mode docstrings)", """
    x = torch.tensor([1.], requires_grad=True)
    with torch.no_grad():
        y = x * 2
    print(y.requires_grad)

    @torch.no_grad()
    def doubler(x):
        return x * 2

    z = doubler(x)
    print(z.requires_grad)

    @torch.no_grad
    def tripler(x):
        return x * 3

    z = tripler(x)
    print(z.requires_grad)
    with torch.no_grad():
        a = torch.nn.Parameter(torch.ones(10))
    print(a.requires_grad)
    with torch.no_grad():
        with torch.enable_grad():
            y = x * 2
    print(y.requires_grad)
    y.backward()
    print(x.grad)

    @torch.enable_grad()
    def doubler(x):
        return x * 2

    with torch.no_grad():
        z = doubler(x)
    print(z.requires_grad)

    @torch.enable_grad
    def tripler(x):
        return x * 3

    with torch.no_grad():
        z = tripler(x)
    print(z.requires_grad)
    is_train = False
    with torch.set_grad_enabled(is_train):
        y = x * 2
    print(y.requires_grad)
    _ = torch.set_grad_enabled(True)
    y = x * 2
    print(y.requires_grad)
    _ = torch.set_grad_enabled(False)
    y = x * 2
    print(y.requires_grad)
    _ = torch.set_grad_enabled(True)
    x = torch.ones(1, 2, 3, requires_grad=True)
    with torch.inference_mode():
        y = x * x
    print(y.requires_grad)

    @torch.inference_mode()
    def func(x):
        return x * x

    out = func(x)
    print(out.requires_grad)

    @torch.inference_mode
    def doubler(x):
        return x * 2

    out = doubler(x)
    print(out.requires_grad, torch.is_inference_mode_enabled())
    """),
    ("docs_tensor_creation", "pytorch/pytorch: torch/_torch_docs.py (zeros, ones, full, arange, linspace, eye, tensor, *_like examples)", """
    print(torch.zeros(2, 3))
    print(torch.zeros(5))
    print(torch.ones(size=(2, 3)), torch.ones(5))
    print(torch.full((2, 3), 3.141592))
    print(torch.arange(5), torch.arange(1, 4), torch.arange(1, 2.5, 0.5))
    print(torch.linspace(3, 10, steps=5))
    print(torch.linspace(-10, 10, steps=5))
    print(torch.linspace(start=-10, end=10, steps=5))
    print(torch.linspace(start=-10, end=10, steps=1))
    print(torch.eye(3))
    print(torch.tensor([[0.1, 1.2], [2.2, 3.1], [4.9, 5.2]]))
    print(torch.tensor([0, 1]))
    print(torch.tensor([[0.11111, 0.222222, 0.3333333]],
                       dtype=torch.float64,
                       device=torch.device('cpu')))
    print(torch.tensor(3.14159))
    print(torch.tensor([]))
    input = torch.empty(2, 3)
    print(torch.zeros_like(input), torch.ones_like(input))
    print(torch.empty((2, 3), dtype=torch.int64).shape)
    print(torch.zeros(size=(2, 3), dtype=torch.int64, requires_grad=False))
    print(torch.ones((2,), dtype=torch.float64, requires_grad=True))
    print(torch.full(size=(2, 2), fill_value=7, dtype=torch.float32))
    print(torch.full((2, 2), 7), torch.full((2,), True))
    tensor = torch.ones((2,), dtype=torch.int8)
    data_ = [[0, 1], [2, 3]]
    print(tensor.new_tensor(data_))
    tensor = torch.ones((2,), dtype=torch.float64)
    print(tensor.new_full((3, 4), 3.141592))
    print(tensor.new_empty((2, 3)).shape, tensor.new_zeros((2, 3)))
    tensor = torch.tensor((), dtype=torch.int32)
    print(tensor.new_ones((2, 3)))
    print(torch.eye(2, 3, dtype=torch.float64, requires_grad=True))
    print(torch.arange(0, 5, 2, dtype=torch.float32, requires_grad=True))
    """),
    # ------------------------------------------------------------------ d2l, second round
    ("d2l_softmax_scratch", "d2l-ai/d2l-en: chapter_linear-classification/softmax-regression-scratch.md", """
    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    print(X.sum(0, keepdims=True), X.sum(1, keepdims=True))

    def softmax(X):
        X_exp = torch.exp(X)
        partition = X_exp.sum(1, keepdims=True)
        return X_exp / partition

    X = torch.tensor(np.abs(data((2, 5), 1)))
    X_prob = softmax(X)
    print(X_prob, X_prob.sum(1))
    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    print(y_hat[[0, 1], y])

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()

    print(cross_entropy(y_hat, y))

    def accuracy(y_hat, y):
        if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
            y_hat = y_hat.argmax(axis=1)
        cmp = y_hat.type(y.dtype) == y
        return float(cmp.type(y.dtype).sum())

    print(accuracy(y_hat, y) / len(y))
    num_inputs, num_outputs, sigma, lr = 12, 3, 0.01, 0.1
    W = torch.normal(0, sigma, size=(num_inputs, num_outputs), requires_grad=True)
    print(W.shape, W.requires_grad, W.dtype)
    W = torch.tensor(data((num_inputs, num_outputs), 2, sigma), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    def forward(X):
        X = X.reshape((-1, W.shape[0]))
        return softmax(torch.matmul(X, W) + b)

    Xs, ys = torch.tensor(data((16, 3, 4), 3)), torch.tensor(np.random.randint(0, 3, 16))
    for epoch in range(3):
        l = cross_entropy(forward(Xs), ys)
        l.backward()
        with torch.no_grad():
            for param in (W, b):
                param -= lr * param.grad
                param.grad.zero_()
        print(epoch, l, accuracy(forward(Xs), ys))
    """),
    ("d2l_softmax_concise", "d2l-ai/d2l-en: chapter_linear-classification/softmax-regression-concise.md (PyTorch version, init_weights + CrossEntropyLoss(reduction='none'))", """
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    print(net[1].weight.std() < 0.05, net[1].weight.shape)
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor(data((3, 12), 2, 0.01)))
        net[1].bias.zero_()
    loss = nn.CrossEntropyLoss(reduction='none')
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    X, y = torch.tensor(data((16, 3, 4), 3)), torch.tensor(np.random.randint(0, 3, 16))
    for epoch in range(3):
        l = loss(net(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        print(epoch, l.shape, l.mean())

    def loss2(Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(
            Y_hat, Y, reduction='mean' if averaged else 'none')

    print(loss2(net(X), y), loss2(net(X), y, averaged=False)[:4])
    """),
    ("d2l_mlp_scratch", "d2l-ai/d2l-en: chapter_multilayer-perceptrons/mlp-implementation.md (from scratch)", """
    class MLPScratch(nn.Module):
        def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):
            super().__init__()
            self.num_inputs, self.lr = num_inputs, lr
            self.W1 = nn.Parameter(torch.tensor(data((num_inputs, num_hiddens), 1)) * sigma)
            self.b1 = nn.Parameter(torch.zeros(num_hiddens))
            self.W2 = nn.Parameter(torch.tensor(data((num_hiddens, num_outputs), 2)) * sigma)
            self.b2 = nn.Parameter(torch.zeros(num_outputs))

        def forward(self, X):
            X = X.reshape((-1, self.num_inputs))
            H = relu(torch.matmul(X, self.W1) + self.b1)
            return torch.matmul(H, self.W2) + self.b2

    def relu(X):
        a = torch.zeros_like(X)
        return torch.max(X, a)

    model = MLPScratch(num_inputs=12, num_outputs=3, num_hiddens=16, lr=0.1, sigma=0.5)
    print([(n, p.shape, p.is_leaf) for n, p in model.named_parameters()])
    optim = torch.optim.SGD(model.parameters(), lr=model.lr)
    X, y = torch.tensor(data((16, 3, 4), 3)), torch.tensor(np.random.randint(0, 3, 16))
    for epoch in range(3):
        l = F.cross_entropy(model(X), y)
        optim.zero_grad()
        l.backward()
        optim.step()
        print(epoch, l.item())
    print(relu(torch.tensor([-1.0, 0.0, 2.0])))
    """),
    ("d2l_mlp_activations", "d2l-ai/d2l-en: chapter_multilayer-perceptrons/mlp.md (ReLU, sigmoid, tanh and their derivatives)", """
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    print(x.shape, x[75:80], x[81:85])
    y = torch.relu(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    print(x.grad[75:80], x.grad[81:85])
    y = torch.sigmoid(x)
    x.grad.data.zero_()
    y.backward(torch.ones_like(x), retain_graph=True)
    print(x.grad[1::20])
    y = torch.tanh(x)
    x.grad.data.zero_()
    y.backward(torch.ones_like(x), retain_graph=True)
    print(x.grad[1::20], y.grad_fn)
    """),
    ("d2l_mlp_concise", "d2l-ai/d2l-en: chapter_multilayer-perceptrons/mlp-implementation.md (concise)", """
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 3))
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 40 + i, 0.3)))
    print(net)
    loss = nn.CrossEntropyLoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    X, y = torch.tensor(data((16, 3, 4), 3)), torch.tensor(np.random.randint(0, 3, 16))
    for epoch in range(4):
        l = loss(net(X), y)
        trainer.zero_grad()
        l.backward()
        trainer.step()
        print(f'epoch {epoch + 1}, loss {float(l):f}')
    print(net[1].weight.grad.shape, net[3].bias.grad)
    """),
    ("d2l_weight_decay", "d2l-ai/d2l-en: chapter_linear-regression/weight-decay.md (scratch l2_penalty and concise weight_decay)", """
    n_train, num_inputs, batch_size = 20, 200, 5
    true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
    X = torch.tensor(data((n_train, num_inputs), 1))
    y = torch.matmul(X, true_w) + true_b + torch.tensor(data((n_train, 1), 2, 0.01))

    def l2_penalty(w):
        return (w ** 2).sum() / 2

    def train(lambd):
        w = torch.tensor(data((num_inputs, 1), 3, 0.01), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for epoch in range(3):
            for i in range(0, n_train, batch_size):
                Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
                l = ((Xb @ w + b - yb) ** 2 / 2).mean() + lambd * l2_penalty(w)
                l.backward()
                with torch.no_grad():
                    for param in (w, b):
                        param -= 0.01 * param.grad
                        param.grad.zero_()
        print('L2 norm of w:', torch.norm(w).item(), float(l2_penalty(w)))

    train(lambd=0)
    train(lambd=3)

    def train_concise(wd):
        net = nn.Sequential(nn.Linear(num_inputs, 1))
        with torch.no_grad():
            net[0].weight.copy_(torch.tensor(data((1, num_inputs), 3, 0.01)))
            net[0].bias.zero_()
        loss = nn.MSELoss(reduction='none')
        num_epochs, lr = 3, 0.003
        trainer = torch.optim.SGD([
            {"params": net[0].weight, 'weight_decay': wd},
            {"params": net[0].bias}], lr=lr)
        for epoch in range(num_epochs):
            for i in range(0, n_train, batch_size):
                trainer.zero_grad()
                l = loss(net(X[i:i + batch_size]), y[i:i + batch_size])
                l.mean().backward()
                trainer.step()
        print('L2 norm of w:', net[0].weight.norm().item())

    train_concise(0)
    train_concise(3)
    opt = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1, weight_decay=0.01)
    print(opt.param_groups[0]['weight_decay'])
    """),
    ("d2l_numerical_stability", "d2l-ai/d2l-en: chapter_multilayer-perceptrons/numerical-stability-and-init.md", """
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.sigmoid(x)
    y.backward(torch.ones_like(x))
    print(x.grad.max(), x.grad[0], x.grad.argmax())
    M = torch.tensor(data((4, 4), 1))
    print('a single matrix \\n', M)
    for i in range(20):
        M = M @ torch.tensor(data((4, 4), 2 + i))
    print('after multiplying 20 matrices\\n', M)
    M = torch.normal(0, 1, size=(4, 4))
    print(M.shape, M.dtype)
    """),
    ("d2l_backprop_graph", "d2l-ai/d2l-en: chapter_multilayer-perceptrons/backprop.md (the one-hidden-layer graph with L2 penalty, gradients checked against the chapter's formulas)", """
    x = torch.tensor(data((4, 1), 1))
    y = torch.tensor([2])
    W1 = torch.tensor(data((5, 4), 2), requires_grad=True)
    W2 = torch.tensor(data((3, 5), 3), requires_grad=True)
    lambd = 0.1
    z = W1 @ x
    z.retain_grad()
    h = torch.relu(z)
    h.retain_grad()
    o = W2 @ h
    o.retain_grad()
    L = F.cross_entropy(o.T, y)
    s = lambd / 2 * (W1.norm() ** 2 + W2.norm() ** 2)
    J = L + s
    J.backward()
    print(J, L, s)
    print(o.grad.T, h.grad.T)
    print(torch.allclose(W2.grad, o.grad @ h.T + lambd * W2))
    print(torch.allclose(h.grad, W2.T @ o.grad))
    print(torch.allclose(z.grad, h.grad * (z > 0)))
    print(torch.allclose(W1.grad, z.grad @ x.T + lambd * W1))
    print(W1.grad.shape, W2.grad.shape, x.grad)
    """),
    # ------------------------------------------------------------------ Neuromatch, second round
    ("nma_w1d1_tensors", "NeuromatchAcademy/course-content-dl: tutorials/W1D1_BasicsAndPytorch/W1D1_Tutorial1.ipynb (Section 2.1 Creating tensors, 2.2 Operations)", """
    a = torch.Tensor([1, 2, 3])
    b = torch.tensor([1, 2, 3])
    c = torch.tensor([1., 2., 3.])
    d = torch.tensor(np.array([1, 2, 3]))
    print(f"Tensor a: {a}")
    print(f"Tensor b: {b}")
    print(f"Tensor c: {c}")
    print(f"Tensor d: {d}")
    x = torch.ones(5, 3)
    y = torch.zeros(2)
    z = torch.empty(1, 1, 5)
    print(f"Tensor x: {x}")
    print(f"Tensor y: {y}")
    print(f"Shape of z: {z.shape}")
    x = torch.arange(0, 10, step=1)
    y = np.arange(0, 10, step=1)
    z = torch.linspace(0, 10, steps=3)
    h = np.linspace(0, 10, num=3)
    print(f"Tensor x: {x}")
    print(f"Numpy array y: {y}")
    print(f"Tensor z: {z}")
    print(f"Numpy array h: {h}")
    a = torch.ones(5, 3)
    b = torch.tensor(data((5, 3), 1))
    c = torch.empty(5, 3)
    d = torch.zeros(5, 3)
    torch.add(a, b, out=c)
    torch.multiply(a, b, out=d)
    print(c)
    print(d)
    x = torch.tensor([1, 2, 4, 8])
    y = torch.tensor([1, 2, 3, 4])
    print(x + y, x - y, x * y, x / y, x**y, sep='\\n')
    x = torch.tensor(data((3, 3), 2))
    print(x)
    print(f"Sum of every element of x: {x.sum()}")
    print(f"Sum of the columns of x: {x.sum(axis=0)}")
    print(f"Sum of the rows of x: {x.sum(axis=1)}")
    print(f"Mean value of all elements of x {x.mean()}")
    print(f"Mean values of the columns of x {x.mean(axis=0)}")
    print(f"Mean values of the rows of x {x.mean(axis=1)}")
    """),
    ("nma_w1d1_manipulation", "NeuromatchAcademy/course-content-dl: tutorials/W1D1_BasicsAndPytorch/W1D1_Tutorial1.ipynb (Section 2.3 Manipulating tensors, Exercise 2.3)", """
    x = torch.arange(0, 10)
    print(x)
    print(x[-1])
    print(x[1:3])
    print(x[:-2])
    x = torch.tensor(data((1, 2, 3), 1))
    print(x)
    print(x[0, :, :])
    z = torch.arange(12).reshape(6, 2)
    print(f"Original z: \\n {z}")
    z = z.view(2, 6)
    print(f"Modified z: \\n {z}")
    z = z.permute(1, 0)
    print(f"Permuted z: \\n {z}")
    x = torch.tensor(data((1, 10), 2))
    print(f"x[0]: {x[0]}")
    x = x.squeeze(0)
    print(f"squeezed x: {x.shape}")
    x = torch.tensor(data(5, 3))
    print(f"unsqueezed x: {x.unsqueeze(1).shape}")
    x = torch.tensor(data((3, 48, 64), 4))
    x = x.permute(1, 2, 0)
    print(x.shape)
    x = torch.arange(12, dtype=torch.float32).reshape((3, 4))
    y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    cat_rows = torch.cat((x, y), dim=0)
    cat_cols = torch.cat((x, y), dim=1)
    print('Concatenated by rows: shape{} \\n {}'.format(list(cat_rows.shape), cat_rows))
    print('\\n Concatenated by colums: shape{}  \\n {}'.format(list(cat_cols.shape), cat_cols))
    x = torch.tensor(data(5, 5))
    y = x.numpy()
    z = torch.from_numpy(y)
    print(f"type of x: {type(x)}")
    print(f"type of y: {type(y)}")
    print(f"type of z: {type(z)}")
    a = torch.tensor([3.5])
    print(a, a.item(), float(a), int(a))

    def functionA(my_tensor1, my_tensor2):
        output = torch.sum(my_tensor1) * my_tensor2
        return output

    def functionB(my_tensor):
        idx_tensor = torch.arange(0, len(my_tensor))
        output = torch.cat([idx_tensor.view(-1, 1), my_tensor.view(-1, 1)], axis=1)
        return output

    def functionC(my_tensor1, my_tensor2):
        if torch.numel(my_tensor1) == torch.numel(my_tensor2):
            my_tensor2 = my_tensor2.reshape(my_tensor1.shape)
            output = my_tensor1 + my_tensor2
        else:
            my_tensor1 = my_tensor1.reshape(1, torch.numel(my_tensor1))
            my_tensor2 = my_tensor2.reshape(1, torch.numel(my_tensor2))
            output = torch.cat([my_tensor1, my_tensor2], axis=1)
        return output

    print(functionA(torch.tensor([[1, 1], [1, 1]]), torch.tensor([[1, 2, 3], [1, 2, 3]])))
    print(functionB(torch.tensor([0.3, 0.2, 0.1])))
    print(functionC(torch.tensor([[1, -1], [-1, 3]]), torch.tensor([[2, 3, 0, 2]])))
    print(functionC(torch.tensor([[1, -1], [-1, 3]]), torch.tensor([[2, 3, 0]])))
    """),
    ("nma_w1d2_train_loop", "NeuromatchAcademy/course-content-dl: tutorials/W1D2_LinearDeepLearning/W1D2_Tutorial1.ipynb (Section 3: torch.nn, train())", """
    def train(features, labels, model, loss_fun, optimizer, n_epochs):
        loss_record = []
        for i in range(n_epochs):
            optimizer.zero_grad()
            predictions = model(features)
            loss = loss_fun(predictions, labels)
            loss.backward()
            optimizer.step()
            loss_record.append(loss.item())
        return loss_record

    class WideNet(nn.Module):
        def __init__(self):
            n_cells = 16
            super().__init__()
            self.layers = nn.Sequential(
                nn.Linear(1, n_cells),
                nn.Tanh(),
                nn.Linear(n_cells, 1),
            )

        def forward(self, x):
            return self.layers(x)

    n_samples = 32
    inputs = torch.linspace(-1.0, 1.0, n_samples).reshape(n_samples, 1)
    noise = torch.tensor(data(n_samples, 1)).reshape(n_samples, 1) / 4
    targets = torch.sin(torch.pi * inputs) + noise
    wide_net = WideNet()
    with torch.no_grad():
        for i, p in enumerate(wide_net.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 20 + i, 0.5)))
    loss_function = nn.MSELoss()
    optimizer = torch.optim.SGD(wide_net.parameters(), lr=0.003, momentum=0.9)
    losses = train(inputs, targets, wide_net, loss_function, optimizer, 30)
    print(losses[::6])
    print(torch.pi, torch.e, torch.inf, torch.nan)
    """),
    ("nma_w1d3_mlp_net", "NeuromatchAcademy/course-content-dl: tutorials/W1D3_MultiLayerPerceptrons/W1D3_Tutorial1.ipynb (Section 2: class Net with add_module and eval('nn.%s'))", """
    class Net(nn.Module):
        def __init__(self, actv, input_feature_num, hidden_unit_nums, output_feature_num):
            super(Net, self).__init__()
            self.input_feature_num = input_feature_num
            self.mlp = nn.Sequential()
            in_num = input_feature_num
            for i in range(len(hidden_unit_nums)):
                out_num = hidden_unit_nums[i]
                layer = nn.Linear(in_num, out_num)
                in_num = out_num
                self.mlp.add_module('Linear_%d'%i, layer)
                actv_layer = eval('nn.%s'%actv)
                self.mlp.add_module('Activation_%d'%i, actv_layer)
            out_layer = nn.Linear(in_num, output_feature_num)
            self.mlp.add_module('Output_Linear', out_layer)

        def forward(self, x):
            x = x.view(-1, self.input_feature_num)
            logits = self.mlp(x)
            return logits

    input = torch.tensor(data((100, 10), 1))
    net = Net(actv='ReLU()', input_feature_num=10, hidden_unit_nums=[10, 20], output_feature_num=5)
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(torch.tensor(data(tuple(p.shape), 50 + i, 0.3)))
    y = net(input)
    print(f'The output shape is {y.shape} for an input of shape {input.shape}')
    print(net)
    outputs = y[:6]
    _, predicted = torch.max(outputs.data, 1)
    print(predicted)
    print(torch.max(outputs, 1).values, torch.max(outputs, dim=1, keepdim=True)[1])
    """),
    ("nma_w1d3_cross_entropy", "NeuromatchAcademy/course-content-dl: tutorials/W1D3_MultiLayerPerceptrons/W1D3_Tutorial1.ipynb (Exercise 2: cross_entropy_loss)", """
    def cross_entropy_loss(x, labels):
        x_of_labels = torch.zeros(len(labels))
        for i, label in enumerate(labels):
            x_of_labels[i] = x[i, label]
        losses = -x_of_labels + torch.log(torch.sum(torch.exp(x), axis=1))
        avg_loss = torch.mean(losses)
        return avg_loss

    labels = torch.tensor([0, 1])
    x = torch.tensor([[10.0, 1.0, -1.0, -20.0],
                      [5.0, 5.0, 3.0, 3.0]])
    our_avg_loss = cross_entropy_loss(x, labels)
    pytorch_loss = F.cross_entropy(x, labels).item()
    assert np.isclose(pytorch_loss, our_avg_loss.item())
    print(f'Our CE loss: {our_avg_loss:0.8f}, Pytorch CE loss: {pytorch_loss:0.8f}')
    x.requires_grad_()
    loss = cross_entropy_loss(x, labels)
    loss.backward()
    print(x.grad, loss.grad_fn)
    """),
    # ------------------------------------------------------------------ micrograd README
    ("micrograd_readme_inplace", "karpathy/micrograd: README.md (Example usage, in torch form: the += lines stay in-place)", """
    a = torch.tensor(-4.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    print(f'{g.data:.4f}')
    g.backward()
    print(f'{a.grad:.4f}')
    print(f'{b.grad:.4f}')
    print(c.grad_fn, d.grad_fn, g.grad_fn)
    """),
    # ------------------------------------------------------------------ pytorch/pytorch test_autograd.py, second round
    ("pytorch_test_accumulate_grad", "pytorch/pytorch: test/test_autograd.py (test_accumulate_grad)", """
    grad_output = torch.ones(5, 5)

    def compute_grad(create_graph):
        x = torch.tensor(data((5, 5), 1), requires_grad=True)
        y = x + 2
        y.backward(grad_output, retain_graph=True)
        x_grad = x.grad
        x_grad_clone = x.grad.clone()
        y.backward(grad_output, create_graph=create_graph)
        return x_grad, x_grad_clone

    x_grad, x_grad_clone = compute_grad(create_graph=False)
    print(torch.equal(x_grad, x_grad_clone * 2))
    x_grad, x_grad_clone = compute_grad(create_graph=True)
    print(torch.equal(x_grad, x_grad_clone))
    """),
    ("pytorch_test_backward_twice", "pytorch/pytorch: test/test_autograd.py (test_backward_twice_with_saved_values, _retained_graph_, _without_saved_values)", """
    b = torch.tensor(data(3, 1), requires_grad=True, dtype=torch.double)
    c = torch.zeros(3, dtype=torch.double)
    c[[1, 2]] = b[[1, 1]]
    c.backward(torch.tensor([1, 1, 1], dtype=torch.double))
    show(lambda: c.backward(torch.tensor([1, 1, 1], dtype=torch.double)))
    b = torch.tensor(data(3, 1), requires_grad=True, dtype=torch.double)
    c = torch.zeros(3, dtype=torch.double)
    c[[1, 2]] = b[[1, 1]]
    c.backward(torch.tensor([1, 1, 1], dtype=torch.double), retain_graph=True)
    c.backward(torch.tensor([1, 1, 1], dtype=torch.double))
    print(b.grad)
    b = torch.tensor(data(3, 1), requires_grad=True, dtype=torch.double)
    c = b + 1
    c.backward(torch.tensor([1, 1, 1], dtype=torch.double))
    c.backward(torch.tensor([1, 1, 1], dtype=torch.double))
    print(b.grad)
    x = torch.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    show(lambda: y.backward())
    z = (x.exp() * 2).sum()
    show(lambda: torch.autograd.grad(z, x)[0])
    show(lambda: torch.autograd.grad(z, x))
    """),
    ("pytorch_test_requires_grad_", "pytorch/pytorch: test/test_autograd.py (test_requires_grad_, test_requires_grad)", """
    x = torch.tensor(data(5, 1))
    y = torch.tensor(data(5, 2), requires_grad=True)
    print(x is x.requires_grad_(), x.requires_grad)
    print(y is y.requires_grad_(), y.requires_grad)
    print(x is x.requires_grad_(True), x.requires_grad)
    print(y is y.requires_grad_(True), y.requires_grad)
    z = x * y
    show(lambda: z.requires_grad_(False))
    print(z is z.requires_grad_(), z.requires_grad)
    print(z is z.requires_grad_(True), z.requires_grad)
    print(x is x.requires_grad_(False), x.requires_grad)
    print(y is y.requires_grad_(False), y.requires_grad)
    x = torch.tensor(data((5, 5), 3))
    y = torch.tensor(data((5, 5), 4))
    z = torch.tensor(data((5, 5), 5), requires_grad=True)
    a = x + y
    print(a.requires_grad)
    b = a + z
    print(b.requires_grad)
    show(lambda: torch.ones(3, dtype=torch.long).requires_grad_())
    show(lambda: torch.ones(3, dtype=torch.long, requires_grad=True))
    """),
    ("pytorch_test_detach", "pytorch/pytorch: test/test_autograd.py (test_detach)", """
    x = torch.tensor(data((10, 10), 1), requires_grad=True)
    y = x + 2
    y = y.detach()
    z = y * 4 + 2
    print(y.requires_grad, z.requires_grad)
    x = torch.tensor(data((10, 10), 2), requires_grad=True)
    y = x * 2
    y = y.detach()
    print(y.requires_grad, y.grad_fn)
    z = x + y
    z.sum().backward()
    print(torch.equal(x.grad, torch.ones(10, 10)))
    x = torch.tensor(data((10, 10), 3), requires_grad=True)
    y = torch.tensor(data((10, 10), 4), requires_grad=True)
    a = x * 2
    (y + a).sum().backward(retain_graph=True)
    a.detach_()
    print(a.requires_grad, a.grad_fn, a.is_leaf)
    (y + a).sum().backward()
    print(torch.equal(x.grad, torch.ones(10, 10) * 2))
    print(torch.equal(y.grad, torch.ones(10, 10) * 2))
    view = x.narrow(0, 1, 4)
    show(lambda: view.detach_())
    """),
    ("pytorch_test_nonleaf_grad_warning", "pytorch/pytorch: test/test_autograd.py (test_grad_nonleaf_warning style: .grad of a non-leaf, retain_grad)", """
    import warnings
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        print(y.grad)
    print(len(w), str(w[0].message)[:60] if w else None)
    y.retain_grad()
    y.sum().backward()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        print(y.grad, x.grad)
    print(len(w))
    print(x.is_leaf, y.is_leaf, y.detach().is_leaf, (x * 1).requires_grad)
    """),
    ("pytorch_test_leaf_hooks", "pytorch/pytorch: test/test_autograd.py (test_hooks on leaves, test_hook_none, hook on a tensor without grad)", """
    x = torch.ones(3, requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.clone()))
    y = (x * 2).sum() + (x * 3).sum()
    y.backward()
    print(len(seen), seen[0], x.grad)
    h.remove()
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    print(x.grad)

    def hook(grad):
        print("hook called", grad)
        return None

    a = torch.tensor([1., 2.], requires_grad=True)
    a.register_hook(hook)
    b = a * a
    b.register_hook(hook)
    b.sum().backward()
    print(a.grad)
    show(lambda: torch.ones(2).register_hook(hook))
    """),
    ("pytorch_test_backward_errors", "pytorch/pytorch: test/test_autograd.py (non-scalar backward, tensors without grad_fn, grad shape mismatch)", """
    x = torch.ones(2, 2, requires_grad=True)
    y = x * 2
    show(lambda: y.backward())
    show(lambda: torch.ones(2).sum().backward())
    show(lambda: y.backward(torch.ones(3)))
    show(lambda: torch.autograd.grad(y, x))
    print(torch.autograd.grad(y.sum(), x, retain_graph=True)[0].requires_grad)
    g, = torch.autograd.grad(y, x, torch.ones_like(y))
    print(g)
    show(lambda: torch.autograd.grad(y.sum(), x))
    show(lambda: torch.autograd.grad(y.sum(), torch.ones(2)))
    """),
]

# Third-party code that reaches outside mygrad's subset (docs/contracts.md): mygrad must fail
# loudly, with an error naming the missing feature, never print a different number. Each entry:
# (name, "owner/repo: path", source, words the error must contain).
OUTSIDE = [
    ("nn_tutorial_cnn", "pytorch/tutorials: beginner_source/nn_tutorial.py (Switch to CNN)", """
    class Mnist_CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    model = Mnist_CNN()
    print(model(torch.tensor(data((2, 784), 1))).shape)
    """, "Conv2d"),
    ("blitz_neural_networks_max_pool", "pytorch/tutorials: beginner_source/blitz/neural_networks_tutorial.py (forward)", """
    x = torch.tensor(data((1, 6, 28, 28), 1))
    x = F.max_pool2d(F.relu(x), (2, 2))
    print(x.shape)
    """, "max_pool2d"),
    ("d2l_softmax_concise_lazy", "d2l-ai/d2l-en: chapter_linear-classification/softmax-regression-concise.md (nn.LazyLinear)", """
    net = nn.Sequential(nn.Flatten(), nn.LazyLinear(10))
    print(net(torch.tensor(data((2, 3, 4), 1))).shape)
    """, "LazyLinear"),
    ("autograd_notes_saved_tensors", "pytorch/pytorch: docs/source/notes/autograd.rst (Saved tensors)", """
    x = torch.tensor(data(5, 1), requires_grad=True)
    y = x.pow(2)
    print(x.equal(y.grad_fn._saved_self))
    """, "_saved_self"),
    ("docs_optim_lbfgs", "pytorch/pytorch: docs/source/optim.md (optimizer.step(closure) with LBFGS)", """
    w = torch.tensor(data(3, 1), requires_grad=True)
    optimizer = torch.optim.LBFGS([w], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    print(optimizer.step(closure))
    """, "LBFGS"),
]
