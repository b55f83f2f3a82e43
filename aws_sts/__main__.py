"""`python -m aws_sts`."""

from aws_sts.cli import main

raise SystemExit(main())
