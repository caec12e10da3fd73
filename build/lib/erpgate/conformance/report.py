"""The report in three forms: a coloured table (people), JSON (scripts), JUnit XML (CI)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from erpgate.conformance.results import ConformanceReport, RuleResult

STYLES = {"pass": "green", "fail": "bold red", "skip": "yellow"}
SUITE_NAME = "erpgate check-erp"
WIDE_ENOUGH = 120


def _request_ids(result: RuleResult) -> str:
    ids = [request.request_id for request in result.requests]
    if len(ids) > 2:
        return f"{ids[0]} (+{len(ids) - 1})"
    return "\n".join(ids)


def render_table(report: ConformanceReport, *, with_requests: bool = True) -> Table:
    table = Table(title=f"ERP conformance for customer {report.customer_code}", expand=False)
    table.add_column("Endpoint", no_wrap=True)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Message", ratio=1, min_width=30)
    if with_requests:
        table.add_column("Request", no_wrap=True)
    for result in report.results:
        cells: list[str | Text] = [
            result.endpoint,
            result.rule,
            Text(result.status.upper(), style=STYLES[result.status]),
            result.message,
        ]
        if with_requests:
            cells.append(_request_ids(result))
        table.add_row(*cells)
    return table


def print_text(report: ConformanceReport, console: Console) -> None:
    # Request ids need room; a narrow terminal gets them on the failure lines below only.
    console.print(render_table(report, with_requests=console.width >= WIDE_ENOUGH))
    # Failures again, one unwrapped line each: the table wraps long messages on narrow screens.
    for result in report.failures:
        line = Text()
        line.append("FAIL ", style=STYLES["fail"])
        line.append(f"{result.rule} [{result.endpoint}]: {result.message}")
        if result.requests and result.answer is None:
            line.append(f" (request {result.requests[-1].request_id})", style="dim")
        console.print(line, soft_wrap=True)
        if result.answer is not None:
            console.print(
                Text(f"  ERP answer: {result.answer.as_text()}", style="dim"), soft_wrap=True
            )
    style = "bold green" if report.passed else "bold red"
    console.print(Text(report.summary, style=style))


def as_text(report: ConformanceReport, width: int = 160) -> str:
    """The table without colours, for --output FILE."""
    console = Console(width=width, no_color=True, record=True, file=io.StringIO())
    print_text(report, console)
    return console.export_text()


def as_json(report: ConformanceReport) -> str:
    return orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode()


def as_junit(report: ConformanceReport) -> str:
    """One testcase per (rule, endpoint); classname groups them by endpoint in CI views."""
    suites = ET.Element("testsuites", name=SUITE_NAME)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=SUITE_NAME,
        tests=str(len(report.results)),
        failures=str(report.count("fail")),
        errors="0",
        skipped=str(report.count("skip")),
        time=f"{report.duration_ms / 1000:.3f}",
        timestamp=report.started_at.isoformat(),
    )
    for result in report.results:
        case = ET.SubElement(
            suite, "testcase", classname=f"erp.{result.endpoint}", name=result.rule, time="0"
        )
        if result.status == "fail":
            failure = ET.SubElement(case, "failure", message=result.message, type=result.rule)
            lines = [result.message]
            if result.answer is not None:
                lines.append(f"ERP answer: {result.answer.as_text()}")
            lines += [
                f"{request.request_id} {request.status or '-'} {request.url}"
                for request in result.requests
            ]
            failure.text = "\n".join(lines)
        elif result.status == "skip":
            ET.SubElement(case, "skipped", message=result.message)
    ET.indent(suites)
    body: str = ET.tostring(suites, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
