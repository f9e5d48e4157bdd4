"""What the widget shows before the customer writes: a greeting, the main menu, and who
answers and when (the bot now; a person while the team is at work; when the team is back).

Plain functions over the business file, so the words stay in `business.yml` (`templates:`)
and the rules are tested without a server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from voice.business import Business

WELCOME_EVENT = "rapport_welcome"
GREETING = "widget_greeting"
TEAM_ONLINE = "widget_team_online"  # someone is at the console now
TEAM_IN = "widget_team_in"  # open, nobody at the console yet: {close}
TEAM_BACK = "widget_team_back"  # closed: {opening}
TEMPLATES = (GREETING, TEAM_ONLINE, TEAM_IN, TEAM_BACK)


def availability(shop: Business, moment: dt.datetime, agents_online: int) -> dict[str, str]:
    """Who answers now: `state` is `team` (a person is online), `open` (the team is at work,
    nobody at the console) or `away`, with the business file's words for it."""
    words = shop.templates
    hours = shop.hours_on(moment.date())
    if shop.open_at(moment) and hours is not None:
        if agents_online > 0:
            return {"state": "team", "text": words.get(TEAM_ONLINE, "")}
        close = f"{hours.close:%H:%M}"
        return {"state": "open", "text": words.get(TEAM_IN, "").format(close=close)}
    opening = shop.next_opening(moment)
    when = shop.format_moment(opening, moment.date())
    return {"state": "away", "text": words.get(TEAM_BACK, "").format(opening=when)}


def welcome(shop: Business, moment: dt.datetime, agents_online: int) -> dict[str, Any]:
    """The `rapport_welcome` event: greeting, main menu as quick replies, availability."""
    menu = [item for item in shop.menu if item.main] or list(shop.menu)
    return {
        "greeting": shop.templates.get(GREETING, ""),
        "quick_replies": [{"title": item.label, "payload": f"/{item.intent}"} for item in menu],
        "availability": availability(shop, moment, agents_online),
    }
