"""Command line: `python -m helpers sample-data | clean …`. Data problems print a message, never a traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers import config


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _parser() -> argparse.ArgumentParser:
    paths = config.load("paths")
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample-data", help="write the synthetic sample extracts of every source")
    sample.add_argument("--out", type=Path, default=Path(paths["raw_dir"]))
    sample.add_argument("--seed", type=int, default=2020)
    sample.add_argument("--scale", type=_positive_int, default=1, help="multiply bulk volumes (benchmarks)")
    sample.add_argument("--if-empty", action="store_true", help="do nothing when the folder already holds data")

    clean = commands.add_parser("clean", help="clean every source into typed tables with a full account")
    clean.add_argument("--raw-dir", type=Path, default=Path(paths["raw_dir"]))
    clean.add_argument("--out", type=Path, default=Path(paths["processed_dir"]))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sample-data":
        return _sample_data(args)
    if args.command == "clean":
        return _clean(args)
    return 2


def _sample_data(args: argparse.Namespace) -> int:
    from helpers import sample_data

    if args.if_empty and args.out.is_dir() and any(p.name != ".gitkeep" for p in args.out.iterdir()):
        print(f"{args.out} already holds data: sample data not written")
        return 0
    provenance = sample_data.generate(args.out, seed=args.seed, scale=args.scale)
    print(f"wrote synthetic sample data (seed {args.seed}, scale {args.scale}) to {args.out}: "
          f"{len(provenance.get('files', []))} files")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from helpers.cleaning import RawDirError, clean_all
    from helpers.summary import reconciliation_summary

    try:
        run = clean_all(args.raw_dir, args.out)
    except RawDirError as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    print(reconciliation_summary(run))
    return 0
