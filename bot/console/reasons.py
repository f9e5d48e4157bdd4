"""Why a customer's card shows their stage and risk, in the business file's words.

The relationship rules (memory/rules.py) give reasons as codes with numbers; each reads by its
template `reason_<code>` (numbers formatted by the template: "{balance:+.1f}"), a count by its
`reason_<name>_one`/`_other` forms, and the risks together by `reason_at_risk`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from memory.rules import COUNTED, Reason
from voice.wording import Wording, plural

AT_RISK = "reason_at_risk"


def reason_words(reason: Reason, templates: Mapping[str, str]) -> str:
    """One reason in words; its code when the business file does not word it."""
    template = templates.get(f"reason_{reason.code}")
    if template is None:
        return reason.code
    values: dict[str, Any] = reason.values()
    for name in COUNTED:
        one, other = templates.get(f"reason_{name}_one"), templates.get(f"reason_{name}_other")
        if name in values and one is not None and other is not None:
            values[name] = plural(values[name], one, other)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return reason.code


def reason_lines(
    reasons: Iterable[Reason], templates: Mapping[str, str], wording: Wording | None
) -> list[str]:
    """The stage's reason, then the risks in one line (`reason_at_risk`)."""
    reasons = list(reasons)
    lines = [reason_words(reason, templates) for reason in reasons if not reason.at_risk]
    risks = [reason_words(reason, templates) for reason in reasons if reason.at_risk]
    if risks and wording is not None and AT_RISK in templates:
        lines.append(templates[AT_RISK].format(risks=wording.join(risks)))
    else:  # without the business file's words: each risk on a line of its own
        lines.extend(risks)
    return lines
