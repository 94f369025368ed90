"""``python -m zoning``: the command-line interface (see ``zoning.cli``)."""

from zoning.cli import main

if __name__ == "__main__":
    main()
