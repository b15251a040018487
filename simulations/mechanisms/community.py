"""Crowdsourcing community (众包模式, "CRM 2.0"): customers post ideas, vote, the firm decides.

Participation is voluntary and uneven: most members lurk, a few contributors (Pareto-distributed
rates) post most ideas. The firm answers a share of ideas; only rare high-quality ideas are
adopted, and an adopted idea raises product quality for everyone. Acknowledged contributors grow
more committed; ignored ones are disappointed (docs/COURSE.md §5).
"""

from __future__ import annotations

import numpy as np

from simulations.config import Policies, World
from simulations.mechanisms.events import Modifiers
from simulations.population import Population
from simulations.stages import is_active
from simulations.weeklog import WeekLog

IDEA_CATEGORIES: tuple[str, ...] = ("product", "service", "pricing", "app", "sustainability")


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
) -> int:
    """Members join, post, vote; the firm responds and adopts. Returns ideas adopted this week."""
    n = pop.n
    u_join = rng.random(n, dtype=np.float32)
    u_idea = rng.random(n, dtype=np.float32)
    u_vote = rng.random(n, dtype=np.float32)
    # would-be authors depend only on a trait (idea_rate), so drawing details for them keeps pairing
    cand = np.flatnonzero(u_idea < pop.idea_rate)
    quality_c, u_respond_c, u_category_c = rng.random((3, cand.size), dtype=np.float32)
    c, w = policies.community, world.community
    if not c.enabled:
        return 0
    active = is_active(pop.stage)
    joiners = active & ~pop.community_member & (u_join < w.join_rate)
    pop.community_member[joiners] = True

    members = pop.community_member & active
    posting = members[cand]
    authors = cand[posting]
    quality, u_respond, u_category = quality_c[posting], u_respond_c[posting], u_category_c[posting]
    voters = int((members & (u_vote < w.vote_rate)).sum())
    q = quality
    # votes concentrate on the best ideas of the week (how strongly: a world trait of the crowd)
    weight = q**w.vote_concentration
    votes = np.floor(voters * weight / max(weight.sum(), 1e-9) * np.minimum(1.0, w.vote_turnout_slope * q)).astype(np.int32)
    responded = u_respond < c.response_rate
    adopted = responded & (q > w.adoption_quality)
    ignored = ~responded

    pop.commitment[authors[responded]] += w.heard_commitment
    pop.commitment[authors[adopted]] += w.adopted_commitment
    pop.shock[authors[adopted]] += w.adopted_delight
    pop.commitment[authors[ignored]] -= w.ignored_commitment_loss
    pop.shock[authors[ignored]] -= w.ignored_disappointment
    np.clip(pop.commitment, 0.0, 1.0, out=pop.commitment)

    category = (u_category * len(IDEA_CATEGORIES)).astype(np.int8)
    log.add("ideas", author=authors.astype(np.int32), category=category, quality=q, votes=votes,
            responded=responded, adopted=adopted, reward=np.where(adopted, c.reward, 0.0).astype(np.float32))
    log.add("community_joins", customer=np.flatnonzero(joiners).astype(np.int32))
    log.count("ideas", authors.size)
    log.count("ideas_adopted", int(adopted.sum()))
    log.count("community_members", int(members.sum()))
    log.cost("community", world.costs.community_cost_per_week * world.market.size_scale + c.reward * int(adopted.sum()))
    return int(adopted.sum())
