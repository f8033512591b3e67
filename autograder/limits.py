"""The resource limits of one submission, set in one place (standard library only).

:func:`apply_limits` is called in the process that is about to run student code, in every isolation
mode: by the warm sandbox (this file's text is shipped into it, see
:func:`autograder.sandbox.zygote_program`) and by the grader's ``preexec_fn`` for a fresh
sandbox or a plain process. Memory beyond ``RLIMIT_AS`` (shared memory, children) is bounded
by the memory cgroup the grader puts each sandbox in, where the host allows one
(:class:`autograder.sandbox.Cgroup`).
"""

import resource

NOFILE = 256


def apply_limits(memory_mb, cpu_s, file_mb):
    """Address space, CPU seconds, file size, open files and core dumps of this process (and
    of everything it starts)."""
    mem = int(memory_mb) * 1024 * 1024
    cpu = int(cpu_s)
    fsize = int(file_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
