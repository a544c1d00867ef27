from tests.centra_sandbox.fixtures import centra_sandbox, centra_sandbox_server  # noqa: F401
