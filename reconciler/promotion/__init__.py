"""Promotion gates (SPEC.md §5.8): a deployment moves to a new job's model only when the job's
final metrics hold its gate; the metrics of the serving model and the new one side by side.

`names`: the metrics a job reports (Azure's names) and which a job's spec lets it report;
`metrics`: a job's final metrics and loss curves from its checkpoints and results.csv;
`gate`: one gate's evaluation, used by the planner and by apply; `chart`: the curves drawn
(terminal sparkline, Mermaid xychart-beta).
"""
