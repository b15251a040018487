"""One customer, one object: the lifecycle told from one person's point of view.

Why a second implementation: the engine in ``simulations.model`` moves a million customers as
numpy arrays, which is fast but hides the story of any one person. Here every person is a
``mesa.Agent`` whose methods are the steps of their week, in the order they happen:

1. ``tell_friends``       a delighted customer recommends the firm to one acquaintance
2. ``consider_us``        a prospect reacts to advertising and to friends' recommendations
3. ``notice_marketing``   a customer answers the firm's contacts (offers, win-back, onboarding)
4. ``maybe_buy``          orders and spend this week; growth customers widen their basket
5. ``maybe_need_service`` something goes wrong: the customer joins a service queue
6. ``get_service``        waiting, abandoning, resolution, complaints, service recovery
7. ``take_part``          loyalty points and tiers; ideas posted to the firm's community
8. ``live_the_week``      satisfaction, trust and commitment move; the stage may change

The firm (``firm.py``) acts between these steps where it needs to see everybody at once.
The rules and numbers are those of ``simulations/mechanisms/``: parameters come from the same
scenario objects, constants are imported from the mechanism modules, but every decision is
written again here for one person, with plain ``if`` statements and Python floats.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mesa

from simulations.config import SERVICE_CHANNELS, TIERS
from simulations.mechanisms.acquisition import price_pull
from simulations.mechanisms.economics import WEEKS_PER_MONTH
from simulations.mechanisms.marketing import CAMPAIGN_TYPES as CAMPAIGNS
from simulations.mechanisms.marketing import ONBOARDING, RETENTION, offer_pull, reference_price_loss
from simulations.mechanisms.purchasing import DROPOUT
from simulations.mechanisms.relationship import COMPETITOR, DISENGAGEMENT, PRICE, SERVICE, price_feeling, term_hold
from simulations.mechanisms.service import recovery_chance
from simulations.population import ACQ_REFERRAL, FIELDS
from simulations.rng import LOGISTIC_SCALE, logistic_lognormal_mean
from simulations.stages import Stage

KEY_ACCOUNT = TIERS.index("key_account")

if TYPE_CHECKING:
    from simulations.reference.model import ReferenceModel

PROSPECT, NEW, GROWTH, MATURITY, AT_RISK, TERMINATING, DORMANT, WON_BACK, LOST = Stage
ACTIVE = frozenset((NEW, GROWTH, MATURITY, AT_RISK, TERMINATING, WON_BACK))
ENDANGERABLE = frozenset((NEW, GROWTH, MATURITY, WON_BACK))
RECOMMENDING = frozenset((NEW, GROWTH, MATURITY, WON_BACK))
CONTRACT_TERM = {2: 52, 3: 104}


def logistic_noise(u: float) -> float:
    """A bell-shaped noise with mean 0 and variance 1 from one uniform (as the engine's noise)."""
    u = min(max(u, 1e-7), 1 - 1e-7)
    return math.log(u / (1.0 - u)) * LOGISTIC_SCALE


def poisson(rate: float, u: float, max_k: int = 50) -> int:
    """Orders this week: count up until the Poisson distribution's cumulative passes ``u``."""
    term = math.exp(-rate)
    cdf, k = term, 0
    while u > cdf and k < max_k:
        k += 1
        term *= rate / k
        cdf += term
    return k


def clip01(x: float) -> float:
    """Keep a feeling between 0 and 1."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


class Customer(mesa.Agent):
    """A person in the market: a prospect first, perhaps a customer for a while, perhaps lost.

    Attributes have the names of ``simulations.population.FIELDS`` (``stage``, ``satisfaction``,
    ``trust``, ``commitment``, ``purchase_rate`` ...), so the two implementations can be compared
    attribute by attribute; ``friends`` lists the ids of acquaintances (word of mouth).
    """

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, number: int, traits: dict[str, Any], friends: list[int]) -> None:
        super().__init__(model)
        self.number = number  # position in model.people (mesa's unique_id counts the firm too)
        for name in FIELDS:
            setattr(self, name, traits[name])
        self.friends = friends
        self.recommendations = 0  # recommendations received this week ...
        self.first_recommender = -1  # ... and who made the first one
        self.in_queue = False
        self.stage_before = self.stage

    # ------------------------------------------------------------------ 1. word of mouth
    def tell_friends(self) -> None:
        """A delighted customer may recommend the firm to one randomly chosen acquaintance."""
        self.stage_before = self.stage  # (the week's transitions are counted against this)
        if self.stage not in RECOMMENDING or not self.friends:
            return
        firm = self.model.firm
        promoter = self.model.world.relationship.promoter_satisfaction
        delight = clip01((self.satisfaction - promoter) / (1 - promoter))
        if delight == 0.0:
            return
        lift = firm.community_referral_lift if self.community_member else 1.0
        if self.model.dice.acquisition.random() < firm.p_recommend * delight * lift:
            friend = self.model.people[self.model.dice.acquisition.choice(self.friends)]
            if friend.recommendations == 0:
                friend.first_recommender = self.number
            friend.recommendations += 1

    # --------------------------------------------------------------- 2. becoming a customer
    def consider_us(self) -> None:
        """A prospect reached by advertising may buy; else each friend's recommendation may convince."""
        heard, recommender = self.recommendations, self.first_recommender
        self.recommendations, self.first_recommender = 0, -1
        if self.stage != PROSPECT:
            return
        firm, rnd = self.model.firm, self.model.dice.acquisition.random
        if rnd() < firm.p_advertising:
            self.acquisition_channel = firm.advertising_channel(rnd())
            self.become_customer()
        elif heard and rnd() < 1.0 - (1.0 - firm.p_recommendation_converts) ** heard:
            self.acquisition_channel = ACQ_REFERRAL
            self.referred_by = recommender
            # a friend's recommendation sets expectations warmly
            self.satisfaction += self.model.world.relationship.referral_warmth
            self.become_customer()
            firm.count("acquisitions_referral")

    def become_customer(self) -> None:
        """First purchase: the socialization stage (社会化期) begins; a fixed-term contract starts."""
        week = self.model.week
        self.stage = self.prev_stage = NEW
        self.weeks_in_stage = 0
        self.signup_week = week
        self.cycles += 1
        self.contract_end_week = week + CONTRACT_TERM[self.contract] if self.contract >= 2 else -1
        self.model.firm.count("acquisitions")
        self.model.firm.note("acquisitions", customer=self.number, tier=self.tier, contract=self.contract,
                             contract_end_week=self.contract_end_week, consent=self.consent, signup_week=week)

    # ---------------------------------------------------------------------- 3. marketing
    def notice_marketing(self) -> None:
        """Answer this week's contacts; one mood (one uniform) decides every answer this week."""
        if self.stage == PROSPECT:
            return
        firm = self.model.firm
        rs = self.model.world.responses
        self.fatigue *= rs.fatigue_memory
        contacts = firm.contacts.get(self.number)
        if contacts:
            mood = self.model.dice.marketing.random()
            for kind, campaign, channel, consented in contacts:
                if self.answer(kind, campaign, mood):
                    # bought on a deal: the deeper the deal, the less the relationship holds them
                    self.commitment = max(self.commitment - rs.deal_commitment_loss * campaign.offer, 0.0)
                    # ... and a deal deeper than any before, and than they take in stride, becomes the price they expect
                    deeper = max(self.deal_depth, campaign.offer)
                    lower = float(reference_price_loss(deeper, rs) - reference_price_loss(self.deal_depth, rs))
                    self.grudge = min(self.grudge + lower, self.baseline)
                    self.deal_depth = deeper
                if self.disliked_channel == channel:
                    self.shock -= rs.disliked_channel_shock  # contacted through a channel this customer dislikes
                if not consented:
                    self.shock -= rs.no_consent_shock  # ... or never agreed to
                self.fatigue += 1.0
        over = self.fatigue - firm.fatigue_limit
        if over > 0:
            self.shock -= rs.fatigue_shock * over  # too many contacts cost goodwill

    def answer(self, kind: str, campaign: Any, mood: float) -> bool:
        """One contact hands over an offer; accepting it means ordering with it this week (returns whether taken).

        Onboarding welcomes (its coupon waits for the next order); cross-sell widens the basket;
        win-back brings a dormant customer back (a new contract where there are contracts);
        retention saves an endangered customer (a running notice is withdrawn).
        """
        model = self.model
        week = model.week
        rs = model.world.responses
        # the offer's pull levels off as it deepens, and is weighed against our price and the competitor's
        price = self.model.policies.pricing.price_index
        strength = offer_pull(campaign.offer, rs) * price_pull(price, model.world)
        # a share off the accepting order and, for a subscriber, off one month's fee, at our current price
        basis = (self.spend_mean * self.value_multiplier + self.monthly_fee) * self.model.policies.pricing.price_index
        self.offer_kind = CAMPAIGNS.index(kind)
        self.offer_value = campaign.offer * basis
        self.offer_week, self.offer_expiry = week, week + campaign.response_weeks - 1
        self.offer_pocketed = False
        if kind == "onboarding":
            self.shock += rs.onboarding_goodwill
            self.trust += rs.onboarding_goodwill
        elif kind == "cross_sell":
            if mood < rs.cross_sell_take * strength:
                self.add_product()
                self.offer_take = True
                return True
        elif kind == "win_back":
            if self.stage == DORMANT and mood < rs.win_back_take * self.responsiveness * strength:
                self.stage, self.weeks_in_stage = WON_BACK, 0
                self.cycles += 1
                self.satisfaction = max(self.satisfaction, self.baseline - self.grudge)
                self.offer_take = True
                self.restart_contract(week)
                return True
            if self.stage != DORMANT and mood < rs.wasted_offer_take * strength:
                self.offer_pocketed = True  # a rare buyer the records call dormant keeps the coupon: a subsidy
                return True
        else:  # retention
            endangered = self.stage in (AT_RISK, TERMINATING)
            if endangered and self.orders_ahead == 0 and mood < min(self.responsiveness * strength, rs.retention_take_cap):
                if self.stage == TERMINATING:
                    model.firm.note("notice_withdrawals", customer=self.number)
                self.stage = MATURITY if self.stage == TERMINATING else self.prev_stage
                self.weeks_in_stage = 0
                self.notice_week = -1
                self.satisfaction += rs.retention_satisfaction_lift
                self.commitment += rs.retention_commitment_lift
                self.offer_take = True
                return True
            elif self.sleeping_dog and mood < rs.sleeping_dog_backfire:
                self.shock -= rs.sleeping_dog_shock  # a "sleeping dog": being reminded makes leaving more likely
            elif not endangered and not self.sleeping_dog and mood < rs.wasted_offer_take * strength:
                self.offer_pocketed = True  # keeps the coupon for an order they would place anyway: a subsidy
                return True
        return False

    def restart_contract(self, week: int) -> None:
        """A returning contract customer signs a new term, which the billing system records."""
        if not self.model.world.contracts.enabled:
            return
        self.contract_end_week = week + CONTRACT_TERM[self.contract] if self.contract >= 2 else -1
        self.model.firm.note("reactivations", customer=self.number, contract=self.contract,
                             contract_end_week=self.contract_end_week)

    # ----------------------------------------------------------------------- 4. buying
    def maybe_buy(self) -> None:
        """Orders this week (Poisson), spend per order (log-scale noise), cross-buying in growth."""
        model = self.model
        world, pol, week = model.world, model.policies, model.week
        t = world.traits
        self.value_multiplier += t.potential_growth * (self.potential - self.value_multiplier)
        self.week_spend, self.week_orders = 0.0, 0
        if self.stage == PROSPECT:
            return
        self.spend_52 *= 51 / 52
        if self.offer_kind >= 0 and self.offer_expiry < week:
            self.offer_kind = -1  # the offer ran out
        first = self.signup_week == week or self.offer_take  # first purchase, or an accepted offer used at once
        if world.btyd.enabled:
            rate = self.purchase_rate if NEW <= self.stage <= MATURITY else 0.0
        else:
            feeling = (1.0 - t.buying_trust_weight) * self.satisfaction + t.buying_trust_weight * self.trust
            rate = self.purchase_rate * model.stage_buying[self.stage] * (t.buying_floor + t.buying_slope * feeling)
            rate *= model.firm.price_effect * (1.0 + t.category_purchase_lift * (self.categories - 1))
            if pol.loyalty.enabled:
                rate *= 1.0 + self.model.world.traits.loyalty_purchase_boost * (self.loyalty_member + self.loyalty_tier)
            if self.offer_kind == ONBOARDING:
                rate *= 1.0 + t.onboarding_lift  # a welcome coupon in hand invites the second purchase
        if rate <= 0.0 and not first:
            self.offer_take = False
            return
        dice = model.dice.purchasing
        orders = poisson(rate, dice.random())
        if self.orders_ahead > 0 and orders > 0:  # an early order for a retention offer replaces this one
            early = min(orders, self.orders_ahead)
            orders -= early
            self.orders_ahead -= early
        if self.offer_take and self.offer_kind == RETENTION and orders == 0:
            self.orders_ahead += 1  # the offer's order comes before the customer's own next one
        if first:
            orders = max(orders, 1)  # a new customer has just made the first purchase
        if orders == 0:
            self.offer_take = False
            return
        dies = False
        if world.btyd.enabled and not first:
            # BG/NBD: after each repeat purchase the customer may "die"; purchases until then are geometric
            p = min(max(self.dropout_p, 1e-12), 1.0 - 1e-9)
            until_death = math.ceil(math.log(max(dice.random(), 1e-12)) / math.log1p(-p))
            if until_death <= orders:
                orders, dies = until_death, True
        sd = t.order_noise_sd
        noise = math.exp(sd * logistic_noise(dice.random())) / logistic_lognormal_mean(sd)
        spend = orders * self.spend_mean * self.value_multiplier * noise * pol.pricing.price_index
        spend *= 1.0 + t.category_spend_lift * (self.categories - 1)
        self.week_orders, self.week_spend = orders, spend
        self.n_orders += orders
        self.total_spend += spend
        self.spend_52 += spend
        self.last_purchase_week = week
        model.firm.book_revenue(spend)
        held = self.offer_take or self.offer_pocketed or self.offer_kind == ONBOARDING
        used = self.offer_kind >= 0 and self.offer_expiry >= week and held
        model.firm.note("orders", customer=self.number, orders=orders, amount=spend, categories=self.categories,
                        campaign=self.offer_kind if used else -1)
        if used:
            self.offer_kind = -1
            self.offer_pocketed = False
        self.offer_take = False
        if not world.btyd.enabled:
            if self.stage == GROWTH and self.categories < t.categories and dice.random() < t.cross_buy_rate:
                self.add_product()
        elif dies:
            self.stage, self.weeks_in_stage = LOST, 0  # dropped out right after its last purchase
            self.churn_week, self.churn_cause = week, DROPOUT
            model.firm.count("terminations")

    # ---------------------------------------------------------------------- 5-6. service
    def maybe_need_service(self) -> None:
        """Something goes wrong (more often for an unhappy customer): join the service queue."""
        if self.stage not in ACTIVE:
            return
        model = self.model
        p = model.world.traits.service_need_rate * model.firm.mods.service_need
        if self.satisfaction < model.world.relationship.at_risk_threshold:
            p *= model.world.service.unhappy_need
        if self.tier == KEY_ACCOUNT:
            p *= model.world.traits.key_account_need  # an organisation with many users needs more help
        model.firm.expect_contact(self, p)
        if model.dice.service.random() < p:
            self.in_queue = True
            model.firm.join_queue(self)

    def get_service(self) -> None:
        """Wait (longer when the desk is busy), maybe give up; resolution and complaints move feelings."""
        sw = self.model.world.service
        self.complaints *= sw.complaint_memory
        if not self.in_queue:
            return
        self.in_queue = False
        firm, rnd = self.model.firm, self.model.dice.service.random
        s = self.model.policies.service
        rho, mean_wait, key = firm.desk_for(self)
        wait = mean_wait * self.model.dice.service.expovariate(1.0)
        channel_patience = sw.patience_scale[SERVICE_CHANNELS[self.service_channel]]
        patience = self.patience * channel_patience
        overflow = clip01(1.0 - 1.0 / max(rho, 1e-9))
        gave_up = rnd() < max(1.0 - math.exp(-wait / patience), overflow)
        p_fcr = min(max(sw.first_contact_resolution * (1.0 - sw.overload_fcr_loss * min(rho, 2.0))
                        + sw.effort_fcr_gain * s.recovery_effort + sw.key_desk_fcr_gain * key, 0.0), 0.98)
        first_contact = not gave_up and rnd() < p_fcr
        resolved = first_contact or (not gave_up and rnd() < sw.later_resolution)
        complaint = not resolved or wait > sw.complaint_wait_multiple * s.target_wait_minutes * channel_patience
        recovered = complaint and rnd() < recovery_chance(s.recovery_effort, sw)
        self.shock += sw.fcr_satisfaction if first_contact else sw.later_satisfaction if resolved else sw.unresolved_satisfaction
        if self.tier == KEY_ACCOUNT and not key:
            self.shock -= sw.key_account_neglect  # a key account served like everyone else feels neglected
        if recovered:
            self.shock += sw.recovery_satisfaction  # service recovery: happier than before the problem ...
        elif complaint:
            self.shock += sw.complaint_satisfaction
            self.grudge = min(self.grudge + sw.unrecovered_baseline_loss, self.baseline)  # an unresolved problem is remembered
        if complaint:
            self.trust -= sw.complaint_trust_loss  # ... but trust is dented all the same
            self.complaints += 1.0
        firm.record_ticket(complaint)
        firm.note("tickets", customer=self.number, complaint=complaint)

    # ------------------------------------------------------------------- 7. programmes
    def take_part(self) -> None:
        """Loyalty club: join, earn, redeem, tier. Community: join, post ideas the firm answers."""
        if self.stage not in ACTIVE:
            return
        model = self.model
        pol, world = model.policies, model.world
        p = pol.loyalty
        if p.enabled:
            # a buyer who is not a member is asked to join at checkout
            if not self.loyalty_member and self.week_orders > 0 and model.dice.loyalty.random() < p.join_rate:
                self.loyalty_member = True
                self.commitment += p.commitment_boost
                model.firm.note("loyalty_joins", customer=self.number)
            if self.loyalty_member:
                self.points += self.week_spend * p.points_per_currency
                rewards = math.floor(self.points / p.redemption_points)
                if rewards > 0:
                    self.points -= rewards * p.redemption_points
                    self.shock += world.responses.reward_delight  # a reward is a small pleasure
                self.loyalty_tier = 2 if self.spend_52 >= p.gold_spend else 1 if self.spend_52 >= p.silver_spend else 0
        if pol.community.enabled:
            rnd = model.dice.community.random
            if not self.community_member and rnd() < world.community.join_rate:
                self.community_member = True
            if self.community_member and rnd() < self.idea_rate:
                responded, adopted = model.firm.answer_idea(quality=rnd())
                if responded:
                    self.commitment += world.community.heard_commitment  # being heard binds
                    if adopted:
                        self.commitment += world.community.adopted_commitment
                        self.shock += world.community.adopted_delight
                else:
                    self.commitment -= world.community.ignored_commitment_loss  # being ignored disappoints
                    self.shock -= world.community.ignored_disappointment
            self.commitment = clip01(self.commitment)

    # ------------------------------------------------------- 8. feelings and the stage
    def live_the_week(self) -> None:
        """Feelings settle after the week's experiences; then the relationship may change stage."""
        model = self.model
        firm, world, week = model.firm, model.world, model.week
        rel = world.relationship
        target = clip01(self.baseline - self.grudge + firm.product_quality + price_feeling(world, model.policies))
        self.satisfaction = clip01(self.satisfaction + rel.satisfaction_inertia * (target - self.satisfaction)
                                   + self.shock + firm.mods.satisfaction_shock)
        self.trust = clip01(self.trust + rel.trust_rate * (self.satisfaction - self.trust))
        if NEW <= self.stage <= MATURITY:
            self.commitment += rel.commitment_growth
        self.commitment = clip01(self.commitment)
        self.shock = 0.0
        self.weeks_in_stage += 1
        if self.stage != PROSPECT:
            if not world.btyd.enabled:
                self.move_stage(week)
            self.socialize_and_grow()
        firm.census(self)

    def move_stage(self, week: int) -> None:
        """Endangerment can strike at any active stage; the endangered settle or leave; the dormant return."""
        model = self.model
        world, firm, rnd = model.world, model.firm, model.dice.relationship.random
        rel, contracts = world.relationship, world.contracts
        bound = contracts.enabled and self.contract >= 2 and self.contract_end_week > week
        hold = term_hold(world, model.policies.pricing.price_index) if bound else 0.0

        if self.stage in ENDANGERABLE:
            if rnd() < self.endangerment_hazard(week) * (1.0 - rel.contract_hold * hold):
                self.prev_stage = self.stage
                if self.complaints > 0.5:
                    self.risk_cause = SERVICE
                elif self.satisfaction < rel.at_risk_threshold:
                    self.risk_cause = DISENGAGEMENT
                else:
                    self.risk_cause = COMPETITOR if rnd() < rel.competitor_share else PRICE
                self.stage, self.weeks_in_stage = AT_RISK, 0
                firm.count("endangerments")
        elif self.stage == AT_RISK and self.weeks_in_stage > 1:
            if self.satisfaction > rel.at_risk_threshold and rnd() < rel.recovery_rate * (rel.settle_trust_floor + self.trust):
                self.stage, self.weeks_in_stage = self.prev_stage, 0  # settles back where it was
            else:
                gap = clip01(rel.at_risk_threshold + rel.decision_margin - self.satisfaction)
                p_leave = (rel.decision_rate * (rel.decision_floor + rel.decision_slope * gap) * (1.0 - hold)
                           * (1.0 - rel.commitment_restraint * self.commitment))
                if self.contract >= 2 and self.contract_end_week == week:
                    p_leave = max(p_leave, rel.renewal_decision)  # a contract ending this week forces the decision
                if rnd() < p_leave:
                    self.stage, self.weeks_in_stage = TERMINATING, 0
                    self.notice_week = week
                    firm.count("notices")
                    firm.note("notices", customer=self.number)

        if self.contract >= 2 and self.contract_end_week == week and self.stage != TERMINATING:
            self.contract_end_week += CONTRACT_TERM[self.contract]  # renews unless notice was given

        if self.stage == TERMINATING and self.weeks_in_stage > 0:
            notice_done = self.contract > 0 and week - self.notice_week >= contracts.notice_weeks
            lapsed = self.contract == 0 and self.weeks_in_stage >= rel.lapse_weeks
            if notice_done or lapsed:
                self.stage, self.weeks_in_stage = DORMANT, 0
                self.churn_week, self.churn_cause = week, self.risk_cause
                self.notice_week = -1
                firm.count("terminations")
                firm.note("terminations", customer=self.number)
        elif self.stage == DORMANT:
            if self.weeks_in_stage > 1 and rnd() < rel.spontaneous_return:
                self.stage, self.weeks_in_stage = WON_BACK, 0
                self.cycles += 1
                self.satisfaction = max(self.satisfaction, self.baseline - self.grudge)
                self.restart_contract(week)
            elif self.weeks_in_stage >= rel.dormant_to_lost_weeks:
                self.stage, self.weeks_in_stage = LOST, 0
                firm.count("losses")

    def endangerment_hazard(self, week: int) -> float:
        """Weekly chance of becoming endangered: low satisfaction, the competitor, early tenure."""
        world, firm = self.model.world, self.model.firm
        rel = world.relationship
        fragile = 1.0 + rel.tenure_hazard_decay * math.exp(-max(week - self.signup_week, 0) / rel.fragile_weeks)
        drive = math.exp(rel.at_risk_sensitivity * (rel.at_risk_threshold - self.satisfaction))
        h = (rel.at_risk_base_hazard * drive * self.occasions() * (rel.pull_floor + firm.competitor_pull) * fragile
             * (1.0 - rel.commitment_shield * self.commitment) * (rel.trust_offset - self.trust))
        return min(max(h, 0.0), 0.9)

    def occasions(self) -> float:
        """How often this customer meets the relationship relative to the average buyer (contracts: monthly bills)."""
        world = self.model.world
        link = world.relationship.hazard_buying_link
        if link <= 0 or (world.contracts.enabled and self.contract > 0):
            return 1.0
        return (self.purchase_rate / world.traits.purchase_rate_mean) ** link

    def socialize_and_grow(self) -> None:
        """New and won-back customers grow after socialization; growth matures when buying saturates."""
        world = self.model.world
        rel = world.relationship
        if self.stage in (NEW, WON_BACK) and self.weeks_in_stage >= rel.new_weeks:
            self.stage, self.weeks_in_stage = GROWTH, 0
        elif self.stage == GROWTH and (self.weeks_in_stage >= rel.growth_weeks
                                       or (self.categories >= world.traits.categories and self.weeks_in_stage >= 8)):
            self.stage, self.weeks_in_stage = MATURITY, 0

    def add_product(self) -> None:
        """One more product category; a subscriber's bill grows with it (a second line, broadband, TV)."""
        self.categories += 1
        contracts = self.model.world.contracts
        if contracts.enabled and self.contract > 0:
            self.monthly_fee *= 1.0 + contracts.category_fee_lift

    def pays_fee(self) -> float:
        """This week's share of the monthly fee of an active contract customer."""
        return self.monthly_fee * self.model.policies.pricing.price_index / WEEKS_PER_MONTH if self.stage in ACTIVE else 0.0
