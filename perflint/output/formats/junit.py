"""``junit``: JUnit XML (one test suite per file, one failing test case per finding), which most
CI systems display as test results.

CI systems tell a new failure from an old one by the test case's suite, class and name (GitLab's
merge-request widget hashes the three), so the name holds no line number: it names the rule, the
enclosing function or class and a short fingerprint, and moved code keeps its test case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from perflint.output.fingerprint import fingerprints
from perflint.output.formats import ReportContext, all_findings, register
from perflint.output.printable import xml_escaped
from perflint.types import FileResult, Finding

#: Characters XML 1.0 cannot carry at all, even escaped (a lone surrogate is an undecodable
#: byte of a file name).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without characters XML 1.0 forbids (ElementTree escapes the rest)."""
    return _INVALID_XML.sub("\ufffd", text)


def case_name(finding: Finding, fingerprint: str) -> str:
    """``PFL101 range-len-index in Stats.total [3bd7dcc7]``: stable across line shifts."""
    return f"{finding.code} {finding.name} in {finding.context or '<module>'} [{fingerprint[:8]}]"


@register("junit")
def render_junit(results: Sequence[FileResult], context: ReportContext) -> str:
    suites = ET.Element("testsuites", name="perflint")
    total = 0
    for result in results:
        findings = [finding for _, finding in all_findings([result])]
        if not findings:
            continue
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=clean(result.path),
            tests=str(len(findings)),
            failures=str(sum(f.code != "PFL000" for f in findings)),
            errors=str(sum(f.code == "PFL000" for f in findings)),
        )
        for finding, fingerprint in zip(findings, fingerprints(findings)):
            total += 1
            location = f"{finding.path}:{finding.start.row}:{finding.start.column}"
            case = ET.SubElement(
                suite,
                "testcase",
                name=clean(case_name(finding, fingerprint)),
                classname=clean(finding.path),
                file=clean(finding.path),
                line=str(finding.start.row),
            )
            kind = "error" if finding.code == "PFL000" else "failure"
            body = [f"{location}: {finding.code} {finding.message}"]
            if finding.fix_title:
                body.append(f"help: {finding.fix_title}")
            url = context.url(finding.code, finding.name)
            if url:
                body.append(url)
            problem = ET.SubElement(case, kind, message=clean(finding.message), type=finding.code)
            problem.text = clean("\n".join(body))
    suites.set("tests", str(total))
    suites.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    suites.set("errors", str(sum(int(s.get("errors", "0")) for s in suites)))
    # Line breaks and the characters that drive terminals become character references: one
    # line of XML, the same document for a parser, safe to print.
    document = xml_escaped(ET.tostring(suites, encoding="unicode"))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + document + "\n"
