"""Benchmark of report rendering (`make bench`): HTML and PDF of one report against a naive WeasyPrint run.

One city report of the scale-1 sample is executed once (papermill), then, in this process and interleaved
so that machine noise hits both alike, `repeat` times each:
  * ours: the self-contained page (fonts cut to the page by HarfBuzz, fixed-layout tables) → PDF;
  * naive: the same page as a user would hand it to WeasyPrint without this tool — @font-face pointing at
    the system's full Noto Sans CJK font files (16 MB each), automatic table layout.
Prints medians and the ratio, judged against the naive run measured beside it: ours must not be slower.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import processed_sample  # noqa: E402


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import nbformat
    import weasyprint

    from helpers.batch.jobs import Job, notebook_path
    from helpers.batch.worker import Settings, render_job
    from helpers.context import Context
    from helpers.report import render
    from helpers.report.fonts import WEIGHTS, fonts_of
    from helpers.report.wording import Words

    context = Context.load(ROOT)
    fonts = fonts_of(context)
    renderer = render.Renderer(fonts)
    processed = processed_sample(1)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        settings = Settings(ROOT, None, processed, out, ["html"], notebook_path(ROOT), 600)
        outcome = render_job(Job(2023, "441600", "河源市"), settings)
        if outcome.error:
            print(f"report failed: {outcome.error}")
            return 1
        notebook = nbformat.read(next(p for p in outcome.files if p.endswith(".ipynb")), as_version=4)
        page = renderer.document(notebook, "benchmark", Words.of(context, "zh"))
        full = {w: fonts.face(w).path.as_uri() for w in WEIGHTS}
        naive_faces = "\n".join(f'@font-face {{ font-family: "Noto Sans CJK SC"; font-weight: {v}; '
                                f'src: url("{full[w]}"); }}' for w, v in WEIGHTS.items())
        naive_page = re.sub(r"table-layout: fixed;", "", page.replace(render.FONT_MARKER, naive_faces))
        weasyprint.HTML(string="<p>预热</p>").write_pdf()  # imports and fontconfig, once, for both
        html_times, ours, naive = [], [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            html = renderer.to_html(page)
            html_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            render.to_pdf(renderer.to_print(page), out / "ours.pdf")
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            weasyprint.HTML(string=naive_page).write_pdf(out / "naive.pdf")
            naive.append(time.perf_counter() - started)
        sizes = {name: (out / f"{name}.pdf").stat().st_size for name in ("ours", "naive")}
    print(f"\nReport rendering, city 2023 on the scale-1 sample (median of {args.repeat}, interleaved):")
    print(f"  notebook execution (papermill, once): {outcome.seconds['execute']:.1f} s")
    print(f"  HTML, fonts cut and embedded: {_median(html_times) * 1000:.0f} ms ({len(html) / 1e6:.1f} MB)")
    print(f"  PDF ours: {_median(ours):.2f} s, {sizes['ours'] / 1e6:.1f} MB")
    print(f"  PDF naive (full font files, auto tables): {_median(naive):.2f} s, {sizes['naive'] / 1e6:.1f} MB")
    ratio = _median(naive) / _median(ours)
    print(f"  → ours is {ratio:.1f}× faster (budget ≥ 1×: {'OK' if ratio >= 1 else 'OVER'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
