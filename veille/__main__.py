"""``python -m veille`` runs the CLI."""

from veille.cli import main

main()
