"""``mygrad.accelerator``: torch 2.x's device-agnostic queries; mygrad has no accelerator."""

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0
