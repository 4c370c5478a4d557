"""``python3 -m sidewire_client call|notify|listen …`` (see cli.py)."""
import os
import sys

from .cli import main


def run() -> int:
    code = main(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader of stdout went away (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


if __name__ == "__main__":
    sys.exit(run())
