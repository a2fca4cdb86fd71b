import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { RequestRideForm } from "@/features/rides/components/request-ride-form";
import { json, renderPage } from "@/testing/render";

const ride = {
  id: "7d8e7a8e-1111-4a4a-9999-123456789abc",
  rider: "alice",
  status: "requested",
  created_at: "2026-01-01T10:00:00Z",
  passengers: 2,
  pickup: { lat: 1, lng: 2 },
  dropoff: { lat: 3, lng: 4 },
};

describe("RequestRideForm", () => {
  it("has a labelled control for every field", () => {
    renderPage(<RequestRideForm />);
    for (const label of ["Pickup latitude", "Pickup longitude", "Drop-off latitude", "Drop-off longitude", "Passengers"]) {
      expect(screen.getByLabelText(label)).toBeTruthy();
    }
  });

  it("sends the ride as the API's RideCreate and says it was requested", async () => {
    const fetchMock = vi.fn(async (_: Request) => json(201, ride));
    vi.stubGlobal("fetch", fetchMock);
    renderPage(<RequestRideForm />);
    const user = userEvent.setup();
    const passengers = screen.getByLabelText("Passengers");
    await user.clear(passengers);
    await user.type(passengers, "2");
    await user.click(screen.getByRole("button", { name: "Request ride" }));
    expect(await screen.findByText("Ride requested.")).toBeTruthy();
    const sent = fetchMock.mock.calls[0]![0];
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe("http://api.test/ride/rides");
    expect(await sent.json()).toEqual({
      pickup: { lat: 52.52, lng: 13.405 },
      dropoff: { lat: 52.5163, lng: 13.3777 },
      passengers: 2,
    });
  });

  it("lists the API's validation errors by field and moves focus to them", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(
          422,
          {
            type: "about:blank",
            title: "Unprocessable Content",
            status: 422,
            detail: "The request is not valid.",
            errors: [{ loc: ["body"], msg: "Value error, pickup and dropoff must differ", type: "value_error" }],
          },
          "application/problem+json",
        ),
      ),
    );
    renderPage(<RequestRideForm />);
    await userEvent.click(screen.getByRole("button", { name: "Request ride" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The ride was not requested");
    expect(alert.textContent).toContain("pickup and dropoff must differ");
    await vi.waitFor(() => expect(document.activeElement).toBe(alert));
  });
});
