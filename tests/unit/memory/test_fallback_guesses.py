"""A message the classifier was unsure of (`nlu_fallback`) keeps the model's best guesses in the
exchange log, for the review inbox; other messages keep none."""

from __future__ import annotations

from memory.ingest import EventIngestor


def _user(intent: str, confidence: float, ranking: list[tuple[str, float]]) -> dict:
    return {
        "event": "user",
        "sender_id": "s",
        "text": "hm",
        "timestamp": 1_700_000_000,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        },
    }


def test_a_fallback_keeps_the_best_three_guesses_without_the_fallback() -> None:
    ranking = [("nlu_fallback", 0.5), ("ask_hours", 0.41), ("greet", 0.2), ("thank", 0.1)]
    ranking.append(("goodbye", 0.05))
    exchange = EventIngestor.exchange(_user("nlu_fallback", 0.5, ranking))
    assert exchange is not None and exchange.intent == "nlu_fallback"
    assert exchange.policy == {
        "guesses": [
            {"intent": "ask_hours", "confidence": 0.41},
            {"intent": "greet", "confidence": 0.2},
            {"intent": "thank", "confidence": 0.1},
        ]
    }


def test_an_understood_message_keeps_no_guesses() -> None:
    exchange = EventIngestor.exchange(_user("ask_hours", 0.97, [("ask_hours", 0.97)]))
    assert exchange is not None and exchange.policy is None
    lone = EventIngestor.exchange(_user("nlu_fallback", 0.5, [("nlu_fallback", 0.5)]))
    assert lone is not None and lone.policy is None
