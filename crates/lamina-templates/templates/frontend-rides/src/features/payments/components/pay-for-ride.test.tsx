import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { PayForRide } from "@/features/payments/components/pay-for-ride";
import { json, renderPage } from "@/testing/render";

const RIDE = "7d8e7a8e-1111-4a4a-9999-123456789abc";
const payment = {
  id: "p1",
  ride_id: RIDE,
  payer: "alice",
  amount: "12.50",
  currency: "EUR",
  status: "succeeded",
  created_at: "2026-01-01T10:00:00Z",
};

describe("PayForRide", () => {
  it("pays with an Idempotency-Key, the amount as a string, then shows the receipt", async () => {
    const paid: (typeof payment)[] = [];
    const fetchMock = vi.fn(async (request: Request) => {
      if (request.method === "POST") {
        paid.push(payment);
        return json(201, payment);
      }
      return json(200, { data: paid, count: paid.length });
    });
    vi.stubGlobal("fetch", fetchMock);
    renderPage(<PayForRide rideId={RIDE} />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Amount"), "12.50");
    await user.click(screen.getByRole("button", { name: "Pay" }));
    expect(await screen.findByText(/Paid 12.50 EUR/)).toBeTruthy();
    const post = fetchMock.mock.calls.map((c) => c[0]).find((r) => r.method === "POST")!;
    expect(post.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await post.json()).toEqual({ ride_id: RIDE, amount: "12.50", currency: "EUR" });
  });

  it("keeps the same Idempotency-Key when a failed payment is retried", async () => {
    const keys: (string | null)[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        if (request.method !== "POST") return json(200, { data: [], count: 0 });
        keys.push(request.headers.get("Idempotency-Key"));
        return json(503, { message: "Service Unavailable" });
      }),
    );
    renderPage(<PayForRide rideId={RIDE} />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Amount"), "3");
    await user.click(screen.getByRole("button", { name: "Pay" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Service Unavailable");
    await user.click(screen.getByRole("button", { name: "Pay" }));
    await vi.waitFor(() => expect(keys).toHaveLength(2));
    expect(keys[0]).toBe(keys[1]);
  });

  it("shows the receipt of a ride already paid", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: [payment], count: 1 })));
    renderPage(<PayForRide rideId={RIDE} />);
    expect(await screen.findByText(/Paid 12.50 EUR/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Pay" })).toBeNull();
  });
});
