// The route handler against the real lead-router API on loopback (started by
// tests/examples/test_nextjs.py, which sets LEAD_ROUTER_URL and the secret).
import assert from "node:assert/strict";
import { test } from "node:test";

import { POST, sign } from "../app/api/lead/route.js";

const unique = () => `${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;

function post(body: BodyInit, type: string): Request {
  return new Request("http://site.example/api/lead", {
    method: "POST",
    headers: { "content-type": type },
    body,
  });
}

test("the signature is lead-router's: sha256=<hex HMAC-SHA256 of the body>", () => {
  assert.equal(
    sign("key", "The quick brown fox jumps over the lazy dog"),
    "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
  );
});

test("an enterprise visitor gets the instant scheduler, named owner and all", async () => {
  const form = {
    email: `vp-${unique()}@big-${unique()}.com`,
    lead_type: "demo_request",
    company: "Big Co",
    company_size: 5000,
    country: "US",
    state: "NY",
  };
  const answer = await POST(post(JSON.stringify(form), "application/json"));
  assert.equal(answer.status, 200);
  const body = (await answer.json()) as { next: { kind: string; url: string }; owner_name: string };
  assert.deepEqual(body.next, { kind: "scheduler", url: "https://meet.example.com/enterprise" });
  assert.match(body.owner_name, /^\w+ \w+$/);
});

test("a plain HTML form is redirected (303) to the tier's page", async () => {
  const form = new URLSearchParams({
    email: `ic-${unique()}@small-${unique()}.com`,
    lead_type: "contact_sales",
    company_size: "20",
    country: "US",
  });
  const answer = await POST(post(form.toString(), "application/x-www-form-urlencoded"));
  assert.equal(answer.status, 303);
  assert.equal(answer.headers.get("location"), "https://www.example.com/thanks");
});

test("a bad submission comes back field by field", async () => {
  const answer = await POST(post(JSON.stringify({ lead_type: "demo_request" }), "application/json"));
  assert.equal(answer.status, 422);
  const body = (await answer.json()) as { errors: { field: string }[] };
  assert.ok(body.errors.some((problem) => problem.field === "email"), JSON.stringify(body));
});

test("lead-router down: the visitor still gets the thank-you page", async () => {
  const saved = process.env.LEAD_ROUTER_URL;
  process.env.LEAD_ROUTER_URL = "http://127.0.0.1:9"; // the discard port: nothing listens
  try {
    const form = { email: `x-${unique()}@down.example.com`, lead_type: "demo_request" };
    const answer = await POST(post(JSON.stringify(form), "application/json"));
    assert.equal(answer.status, 200);
    assert.deepEqual(((await answer.json()) as { next: unknown }).next, {
      kind: "thank_you",
      url: "/thank-you",
    });
  } finally {
    process.env.LEAD_ROUTER_URL = saved;
  }
});
