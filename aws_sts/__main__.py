"""`python -m aws_sts`: the launcher, as bin/aws-sts (--version answered before the CLI loads)."""

import sys

from aws_sts import __version__

if sys.argv[1:] in (["-v"], ["--version"]):
    print(f"aws-sts {__version__}")
    raise SystemExit(0)

from aws_sts.cli import leave, main  # noqa: E402

leave(main())
