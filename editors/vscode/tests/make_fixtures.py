"""Writes the grammar's test fixtures (tests/*.detente): each source line
followed by assertion lines that put a scope under a token. Run it after
changing the cases below; `npm test` then checks the grammar against them.

A case is (line, [(token, occurrence, scope), ...]); the assertion goes
under the token's `occurrence`-th appearance (0 = first) in the line."""

import pathlib
import re

FILES = {
    "definitions": ("settings, schemas, events and touchpoints", [
        ('policy "Acme" {', [("policy", 0, "storage.type.detente"), ('"Acme"', 0, "string.quoted.double.detente"), ("{", 0, "punctuation.section.block.detente")]),
        ('  timezone "Europe/London"', [("timezone", 0, "keyword.other.detente")]),
        ("  teams marketing, sales", [("teams", 0, "keyword.other.detente"), (",", 0, "punctuation.separator.detente")]),
        ("  business_hours mon-fri 09:00-17:30", [("business_hours", 0, "keyword.other.detente")]),
        ('  holidays "2026-12-25", "2026-12-26"', [("holidays", 0, "keyword.other.detente")]),
        ("  fiscal_year_starts april", [("fiscal_year_starts", 0, "keyword.other.detente")]),
        ("  version 3", [("version", 0, "keyword.other.detente"), ("3", 0, "constant.numeric.detente")]),
        ('  effective "2026-01-01"', [("effective", 0, "keyword.other.detente")]),
        ('  currency "GBP"', [("currency", 0, "keyword.other.detente")]),
        ("}", [("}", 0, "punctuation.section.block.detente")]),
        ("", []),
        ("contact {", [("contact", 0, "storage.type.detente")]),
        ("  title: text?", [(":", 0, "punctuation.separator.detente"), ("?", 0, "punctuation.separator.detente")]),
        ('  tier: "smb" | "enterprise" = "smb"', [("|", 0, "keyword.operator.union.detente"), ("=", 0, "keyword.operator.assignment.detente")]),
        ("}", []),
        ("account { employees: number? }", [("account", 0, "storage.type.detente")]),
        ("deal {", [("deal", 0, "storage.type.detente")]),
        ("  amount: money?", []),
        ("  roles economic_buyer, champion", [("roles", 0, "keyword.other.detente")]),
        ("}", []),
        ("", []),
        ("event form_submit { form: text, page: text? }", [("event", 0, "storage.type.definition.detente"), ("form_submit", 0, "entity.name.type.detente")]),
        ('touchpoint demo = form_submit where form == "demo" by sales', [("touchpoint", 0, "storage.type.definition.detente"), ("demo", 0, "entity.name.type.detente"), ("where", 0, "keyword.control.trigger.detente"), ("==", 0, "keyword.operator.comparison.detente"), ("by", 0, "keyword.other.detente")]),
    ]),
    "rules": ("scores, criteria, buying groups and lifecycles", [
        ('score engagement "Recent interest" for account {', [("score", 0, "storage.type.definition.detente"), ("engagement", 0, "entity.name.type.detente"), ('"Recent interest"', 0, "string.quoted.double.detente"), ("for", 0, "keyword.other.detente"), ("account", 0, "storage.type.detente")]),
        ("  owner marketing", [("owner", 0, "keyword.other.detente")]),
        ("  decay half_life 21d", [("decay", 0, "keyword.other.detente"), ("half_life", 0, "keyword.other.detente"), ("21d", 0, "constant.numeric.duration.detente")]),
        ("  range 0..100", [("range", 0, "keyword.other.detente"), ("..", 0, "keyword.operator.range.detente")]),
        ("  each form_submit => +10 max 50", [("each", 0, "keyword.other.detente"), ("=>", 0, "keyword.operator.arrow.detente"), ("10", 0, "constant.numeric.detente"), ("max", 0, "keyword.other.detente")]),
        ("  seen(demo within 30d) => +20", [("seen", 0, "support.function.detente"), ("within", 0, "keyword.other.detente")]),
        ("}", []),
        ("", []),
        ('criteria mql "Marketing qualified" for deal {', [("criteria", 0, "storage.type.definition.detente"), ("mql", 0, "entity.name.type.detente")]),
        ('  fit: contact.title contains "VP" and not (account.stage == "engaged")', [("contact", 0, "variable.language.subject.detente"), (".", 0, "punctuation.accessor.detente"), ("title", 0, "variable.other.property.detente"), ("contains", 0, "keyword.operator.word.detente"), ("and", 0, "keyword.operator.word.detente"), ("not", 0, "keyword.operator.word.detente")]),
        ("  intent: days_since(form_submit) <= 30 or last(demo).rating >= 4", [("days_since", 0, "support.function.detente"), ("<=", 0, "keyword.operator.comparison.detente"), ("or", 0, "keyword.operator.word.detente"), ("last", 0, "support.function.detente")]),
        ("  budget: contact.budget is missing or contact.budget >= $10_000", [("is", 0, "keyword.operator.word.detente"), ("missing", 0, "keyword.operator.word.detente"), ("$10_000", 0, "constant.numeric.money.detente")]),
        ('  kind: contact.tier in ["smb", "mid"] and contact.email is present', [("in", 0, "keyword.operator.word.detente"), ("present", 0, "keyword.operator.word.detente"), ("[", 0, "punctuation.section.brackets.detente")]),
        ("  require 2 of 3", [("require", 0, "keyword.other.detente"), ("of", 0, "keyword.other.detente")]),
        ("}", []),
        ("criteria named {", []),
        ('  site: contact.email ends_with ".com" or contact.title starts_with "Head"', [("ends_with", 0, "keyword.operator.word.detente"), ("starts_with", 0, "keyword.operator.word.detente")]),
        ("  require all", [("all", 0, "keyword.other.detente")]),
        ("}", []),
        ("", []),
        ("buying_group {", [("buying_group", 0, "storage.type.detente")]),
        ('  role boss = contact.title matches "(?i)^vp\\\\b"', [("role", 0, "keyword.other.detente"), ("matches", 0, "keyword.operator.word.detente"), ("\\\\", 0, "constant.character.escape.detente")]),
        ("  engaged = engagement >= 10", [("engaged", 0, "keyword.other.detente")]),
        ("  qualified = group.has(boss) and group.engaged >= 2", [("qualified", 0, "keyword.other.detente"), ("group", 0, "variable.language.subject.detente")]),
        ("}", []),
        ("", []),
        ("lifecycle contact {", [("lifecycle", 0, "storage.type.definition.detente"), ("contact", 0, "entity.name.type.detente")]),
        ("  stage lead initial owner marketing", [("stage", 0, "keyword.other.detente"), ("initial", 0, "keyword.other.detente")]),
        ('  stage lost final detour "Closed lost"', [("final", 0, "keyword.other.detente"), ("detour", 0, "keyword.other.detente")]),
        ("  lead -> mql when mql and time_in_stage >= 2d", [("->", 0, "keyword.operator.arrow.detente"), ("when", 0, "keyword.control.trigger.detente"), ("time_in_stage", 0, "variable.language.time-in-stage.detente"), ("2d", 0, "constant.numeric.duration.detente")]),
        ('  mql -> lead after 30d unless stage_entered(sql) as "went cold"', [("after", 0, "keyword.control.trigger.detente"), ("unless", 0, "keyword.control.trigger.detente"), ("stage_entered", 0, "support.function.detente"), ("as", 0, "keyword.other.detente")]),
        ('  any -> lost on deal_lost where reason == "price"', [("any", 0, "keyword.other.detente"), ("on", 0, "keyword.control.trigger.detente")]),
        ("  mql -> customer when contact.deals.in(won) >= 1 and breached(follow_up) == false", [("breached", 0, "support.function.detente"), ("false", 0, "constant.language.boolean.detente")]),
        ("}", []),
    ]),
    "figures": ("SLAs, metrics and incentives", [
        ('sla mql_follow_up "Sales calls within a day" {', [("sla", 0, "storage.type.definition.detente"), ("mql_follow_up", 0, "entity.name.type.detente")]),
        ("  owner sales", [("owner", 0, "keyword.other.detente")]),
        ("  starts on entering mql", [("starts", 0, "keyword.other.detente"), ("on", 0, "keyword.control.trigger.detente"), ("entering", 0, "keyword.other.detente")]),
        ("  met on sales_call where outcome == \"connected\" or on leaving account:qualified", [("met", 0, "keyword.other.detente"), ("or", 0, "keyword.operator.word.detente"), ("leaving", 0, "keyword.other.detente"), ("account", 0, "support.class.lifecycle.detente"), ("qualified", 0, "entity.name.tag.stage.detente")]),
        ("  within 16 business hours", [("within", 0, "keyword.other.detente"), ("business", 0, "keyword.other.detente")]),
        ("  cancelled on entering lost", [("cancelled", 0, "keyword.other.detente")]),
        ("  assignee contact.owner", [("assignee", 0, "keyword.other.detente")]),
        ("}", []),
        ("", []),
        ('metric win_rate "Won of worked" by contact.office = conversion(sql -> customer where account.employees >= 200)', [("metric", 0, "storage.type.definition.detente"), ("win_rate", 0, "entity.name.type.detente"), ("by", 0, "keyword.other.detente"), ("conversion", 0, "support.function.detente"), ("where", 0, "keyword.control.trigger.detente")]),
        ("metric velocity = count(entered deal:engaging) * sum(entered deal:won .amount) / median(days(sql -> customer))", [("count", 0, "support.function.detente"), ("entered", 0, "keyword.control.trigger.detente"), ("deal", 0, "support.class.lifecycle.detente"), ("*", 0, "keyword.operator.arithmetic.detente"), ("sum", 0, "support.function.detente"), ("/", 0, "keyword.operator.arithmetic.detente"), ("median", 0, "support.function.detente"), ("days", 0, "support.function.detente")]),
        ("metric rate = attainment(mql_follow_up) * 100% + share(demo by marketing) - avg(demo_request.rating) + p90(visit.minutes)", [("attainment", 0, "support.function.detente"), ("100%", 0, "constant.numeric.percent.detente"), ("share", 0, "support.function.detente"), ("avg", 0, "support.function.detente"), ("p90", 0, "support.function.detente")]),
        ("metric floor = min(count(visit), 10) + max(1, 2)", [("min", 0, "support.function.detente"), ("max", 0, "support.function.detente")]),
        ("", []),
        ("incentive pipeline_bonus {", [("incentive", 0, "storage.type.definition.detente")]),
        ("  teams marketing, sales", [("teams", 0, "keyword.other.detente")]),
        ("  period quarter", [("period", 0, "keyword.other.detente")]),
        ("  target count(entered sql) >= 40 and true", [("target", 0, "keyword.other.detente"), ("true", 0, "constant.language.boolean.detente")]),
        ("  payout €50 * count(entered sql)", [("payout", 0, "keyword.other.detente"), ("€50", 0, "constant.numeric.money.detente")]),
        ("  split", [("split", 0, "keyword.other.detente")]),
        ("  per contact.owner", [("per", 0, "keyword.other.detente")]),
        ("  lagged 1 quarter", [("lagged", 0, "keyword.other.detente")]),
        ("}", []),
        ("# a comment", [("# a comment", 0, "comment.line.number-sign.detente")]),
    ]),
}


def find(line, token, occurrence):
    """Where the token's `occurrence`-th appearance starts; a word only as
    a whole word (`or` is not the `or` of `form_submit`)."""
    word = token.replace("_", "a").isalnum()
    pattern = (r"(?<![A-Za-z0-9_])" + re.escape(token) + r"(?![A-Za-z0-9_])") if word else re.escape(token)
    return [m.start() for m in re.finditer(pattern, line)][occurrence]


for name, (title, cases) in FILES.items():
    out = [f'# SYNTAX TEST "source.detente" "{title}"']
    for line, marks in cases:
        out.append(line)
        for token, occurrence, scope in marks:
            col = find(line, token, occurrence)
            width = len(token)
            if col == 0:
                out.append("# <" + "-" * width + " " + scope)
            else:
                out.append("#" + " " * (col - 1) + "^" * width + " " + scope)
    pathlib.Path(__file__).with_name(f"{name}.detente").write_text("\n".join(out) + "\n", encoding="utf-8")
