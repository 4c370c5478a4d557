"""``python3 -m sidewire_client call|notify|listen …`` (see cli.py)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
