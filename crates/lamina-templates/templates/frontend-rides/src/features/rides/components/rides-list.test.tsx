import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { RidesList } from "@/features/rides/components/rides-list";
import { json, renderPage } from "@/testing/render";

const ride = (id: string, passengers: number) => ({
  id,
  rider: "alice",
  status: "requested",
  created_at: "2026-01-01T10:00:00Z",
  passengers,
  pickup: { lat: 52.52, lng: 13.405 },
  dropoff: { lat: 52.5163, lng: 13.3777 },
});

describe("RidesList", () => {
  it("says when there are no rides", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: [], count: 0 })));
    renderPage(<RidesList />);
    expect(await screen.findByText("No rides yet.")).toBeTruthy();
  });

  it("lists each ride with the actions other features add", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: [ride("r1", 1), ride("r2", 3)], count: 2 })));
    renderPage(<RidesList renderActions={(r) => <button type="button">Pay {r.id}</button>} />);
    const list = await screen.findByRole("list", { name: "My rides" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]!.getAttribute("aria-label")).toBe("Ride from 52.5200, 13.4050 to 52.5163, 13.3777");
    expect(within(items[1]!).getByText(/3 passengers/)).toBeTruthy();
    expect(within(items[1]!).getByRole("button", { name: "Pay r2" })).toBeTruthy();
  });
});
