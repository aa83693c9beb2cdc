"""The report's sections, one module per entry of report.yaml `sections`, named by its `id`. Each module's
`render(report, section)` takes the report (helpers.report.core.Report: its data and shared building blocks) and the
section's entry (core.Section) and returns the section's HTML from its template (templates/sections/, report.yaml
`template`); the helpers only it uses are its own. A per-domain section is rendered once per domain
(`section.domain`). The wording keys a section uses are named in its module's docstring, under wording.yaml (by
language) and plan_wording.yaml. core.renderers finds the modules; nothing imports them by name."""
