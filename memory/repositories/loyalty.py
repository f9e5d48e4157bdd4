"""The loyalty ledger: rewards redeemed (kept under the shop account, so forgetting a customer
does not give the points back) and the customer's loyalty status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update

from memory import schema as s
from memory.personal_data import ledger_account
from memory.repositories.base import Repository


class LoyaltyRepository(Repository):
    """Redemptions of points and the loyalty status on the card."""

    def _ledger_account(self, customer_id: int) -> str | None:
        external_id = self.conn.execute(
            select(s.customers.c.external_id).where(s.customers.c.id == customer_id)
        ).scalar()
        return None if external_id is None else ledger_account(str(external_id))

    def redeem(self, customer_id: int, reward: str, points: int) -> int:
        """Record that the customer redeemed `reward` for `points` points; the redemption's id.

        A signed-in customer's redemption is kept under their shop account too, so forgetting
        the customer does not give the points back (see memory.personal_data).
        """
        if points < 0:
            raise ValueError("a reward cannot cost negative points")
        self._require_customer(customer_id)
        return int(
            self.conn.execute(
                s.redemptions.insert().values(
                    customer_id=customer_id,
                    account=self._ledger_account(customer_id),
                    reward=reward[:255],
                    points=points,
                    at=self._now(),
                )
            ).inserted_primary_key[0]
        )

    def _ledger_rows(self, customer_id: int) -> Any:
        """Which redemptions are the customer's: their own, and their shop account's."""
        account = self._ledger_account(customer_id)
        mine = s.redemptions.c.customer_id == customer_id
        return mine if account is None else or_(mine, s.redemptions.c.account == account)

    def points_redeemed(self, customer_id: int) -> int:
        """The points the customer (or their shop account, before a forget) spent on rewards."""
        spent = self.conn.execute(
            select(func.coalesce(func.sum(s.redemptions.c.points), 0)).where(
                self._ledger_rows(customer_id)
            )
        ).scalar()
        return int(spent or 0)

    def redemptions(self, customer_id: int) -> list[dict[str, Any]]:
        """The customer's redemptions (reward, points, time), oldest first."""
        rows = self.conn.execute(
            select(s.redemptions.c.reward, s.redemptions.c.points, s.redemptions.c.at)
            .where(self._ledger_rows(customer_id))
            .order_by(s.redemptions.c.at, s.redemptions.c.id)
        ).all()
        return [{"reward": row.reward, "points": row.points, "at": row.at} for row in rows]

    def set_loyalty_status(self, customer_id: int, status: str | None) -> None:
        self._require_customer(customer_id)
        self.conn.execute(
            update(s.customers).where(s.customers.c.id == customer_id).values(loyalty_status=status)
        )
