"""The body of one API request as the load test sends it: one contact with
20 events over three weeks (visits, content, a webinar, then a demo
request, a call, sales feedback and a meeting; acme's event types) and its
account nested. Printed as one line of JSON.

    python3 bench/api_body.py > body.json
"""
import json

events = []
kinds = [("page_view", {"url": "/pricing"}), ("page_view", {"url": "/docs/api"}),
         ("page_view", {"url": "/customers/northwind"}), ("email_click", {"campaign": "nurture-q1"}),
         ("form_submit", {"form": "whitepaper"}), ("webinar", {"name": "roi"})]
for i in range(16):
    t, f = kinds[i % len(kinds)]
    events.append(dict(at=f"2026-03-{2 + i:02d}T10:{i:02d}:00Z", type=t, **f))
events += [dict(at="2026-03-18T09:00:00Z", type="form_submit", form="demo"),
           dict(at="2026-03-18T11:00:00Z", type="sales_call", outcome="connected"),
           dict(at="2026-03-19T10:00:00Z", type="sales_feedback", verdict="accept"),
           dict(at="2026-03-20T15:00:00Z", type="meeting", outcome="held")]
assert len(events) == 20
contact = {"id": "c-1", "email": "vp@northwind.example", "title": "VP Engineering",
           "seniority": "executive", "consent_given_on": "2026-03-01",
           "account": {"id": "a-1", "domain": "northwind.example", "employees": 800, "industry": "software"},
           "events": events}
print(json.dumps({"contacts": [contact]}))
