// app/api/lead/route.ts: the form's submit goes here, never straight to lead-router.
//
// The server signs the submission with the webhook secret (it never reaches the
// browser), posts it with ?wait=assignment, and answers the visitor with the next step
// of the rule that routed them: the instant scheduler for enterprise and mid-market,
// a tier's thank-you page for the rest. A plain HTML form gets a 303 redirect; a
// fetch() from the page gets JSON. If lead-router is slow or down, the lead is still
// taken (202, or queued by lead-router) and the visitor still gets the thank-you page.
import { createHmac } from "node:crypto";

export type NextStep = { kind: "scheduler" | "thank_you" | "none"; url: string | null };
export type Routed = {
  status: string;
  tier: string | null;
  team: string | null;
  owner: { id: string; name: string | null } | null;
  next_step: NextStep;
};
export type Answer = { next: NextStep; owner_name: string | null; lead_id: string | null };

const WAIT_MS = 4000; // lead-router's own bound is 2 s by default; this covers the network

export function sign(secret: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

function thankYou(): NextStep {
  return { kind: "thank_you", url: process.env.THANK_YOU_URL ?? "/thank-you" };
}

async function readForm(request: Request): Promise<{ form: Record<string, string>; html: boolean }> {
  const type = request.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) {
    const parsed: unknown = await request.json();
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("the body must be a JSON object");
    }
    return { form: parsed as Record<string, string>, html: false };
  }
  const data = await request.formData();
  const form: Record<string, string> = {};
  data.forEach((value, key) => {
    if (typeof value === "string") form[key] = value;
  });
  return { form, html: true };
}

function respond(answer: Answer, html: boolean): Response {
  const url = answer.next.url ?? thankYou().url ?? "/thank-you";
  if (html) return new Response(null, { status: 303, headers: { location: url } });
  return Response.json(answer);
}

export async function POST(request: Request): Promise<Response> {
  const base = process.env.LEAD_ROUTER_URL;
  const secret = process.env.LEAD_ROUTER_WEBHOOK_SECRET;
  if (!base || !secret) {
    return Response.json(
      { error: "set LEAD_ROUTER_URL and LEAD_ROUTER_WEBHOOK_SECRET on the server" },
      { status: 500 },
    );
  }
  let read: { form: Record<string, string>; html: boolean };
  try {
    read = await readForm(request);
  } catch (error) {
    return Response.json({ error: `the form could not be read: ${String(error)}` }, { status: 400 });
  }
  const body = JSON.stringify(read.form);
  let answer: globalThis.Response;
  try {
    answer = await fetch(`${base.replace(/\/$/, "")}/webhooks/forms?wait=assignment`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-lead-router-signature": sign(secret, body) },
      body,
      signal: AbortSignal.timeout(WAIT_MS),
    });
  } catch {
    // lead-router unreachable: the visitor still gets a thank-you (the site's own
    // retry or a form backup is where the lead is kept then)
    return respond({ next: thankYou(), owner_name: null, lead_id: null }, read.html);
  }
  if (answer.status === 422) {
    // the field-by-field problems, for the form to show next to each field
    const problems = (await answer.json()) as { detail: unknown };
    return Response.json({ errors: problems.detail }, { status: 422 });
  }
  const data = (answer.ok ? await answer.json() : {}) as { lead_id?: string; assignment?: Routed };
  const step = data.assignment?.next_step;
  const next = step && step.kind !== "none" && step.url ? step : thankYou();
  const owner = data.assignment?.owner?.name ?? null;
  return respond({ next, owner_name: owner, lead_id: data.lead_id ?? null }, read.html);
}
